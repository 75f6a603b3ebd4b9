//! Transaction logs as a validator writes them for AgentRunner's own (natively loaded)
//! programs: `Program log:` lines from `msg!` (Anchor's instruction names and error lines),
//! and every invocation once, at its true stack height.
use agent_registry::constants::capability;
use agentrunner_tests::fixtures::onboarding_ixs;
use solana_rpc_client_api::{
    client_error::ErrorKind,
    request::{RpcError, RpcResponseErrorData},
};
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::UiTransactionEncoding;

use super::cluster;

/// Panics unless every `invoke [n]` is at the depth its enclosing lines imply and every
/// invocation is closed.
fn assert_well_nested(logs: &[String]) {
    let mut depth = 0usize;
    for line in logs {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["Program", _, "invoke", height] => {
                depth += 1;
                assert_eq!(*height, format!("[{depth}]"), "{logs:#?}");
            }
            ["Program", _, "success"] => depth -= 1,
            ["Program", _, "failed:", ..] => depth -= 1,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "{logs:#?}");
}

#[tokio::test]
async fn test_native_programs_log_like_sbf_programs() {
    let c = cluster().await;
    let client = c.client();
    let now = c.chain.clock().await.unwrap().unix_timestamp;
    let stranger = solana_keypair::Keypair::new();
    let (_, register, attest) = onboarding_ixs(
        &c.payer.pubkey(),
        "logs-agent",
        capability::SWAP,
        &stranger.pubkey(),
        now,
    );
    let tx = c.signed(&register).await;
    let signature = client.send_and_confirm_transaction(&tx).await.unwrap();
    let fetched = client
        .get_transaction(&signature, UiTransactionEncoding::Json)
        .await
        .unwrap();
    let logs: Vec<String> = Option::from(fetched.transaction.meta.unwrap().log_messages).unwrap();
    assert_well_nested(&logs);
    let registry = agent_registry::ID.to_string();
    assert_eq!(logs[0], format!("Program {registry} invoke [1]"));
    assert!(
        logs.iter()
            .any(|l| l == "Program log: Instruction: RegisterAgent"),
        "{logs:#?}"
    );
    // The account creation is a CPI at height 2; the event self-CPI too.
    assert!(logs
        .iter()
        .any(|l| l == "Program 11111111111111111111111111111111 invoke [2]"));
    assert!(logs
        .iter()
        .any(|l| l == &format!("Program {registry} invoke [2]")));

    // A stranger attesting: refused in preflight with Anchor's error lines.
    let blockhash = client.get_latest_blockhash().await.unwrap();
    let refused = agentrunner_client::send::sign_transaction(
        &c.payer,
        &[attest],
        &[&stranger],
        &[],
        blockhash,
    )
    .unwrap();
    c.chain
        .fund(&stranger.pubkey(), 1_000_000_000)
        .await
        .unwrap();
    let error = client.send_transaction(&refused).await.unwrap_err();
    let ErrorKind::RpcError(RpcError::RpcResponseError {
        code: -32002,
        data: RpcResponseErrorData::SendTransactionPreflightFailure(result),
        ..
    }) = error.kind()
    else {
        panic!("{error:?}");
    };
    let logs = result.logs.clone().unwrap();
    assert_well_nested(&logs);
    let Some(TransactionError::InstructionError(_, instruction_error)) =
        result.err.clone().map(TransactionError::from)
    else {
        panic!("{result:?}");
    };
    let anchor_lines: Vec<&String> = logs
        .iter()
        .filter(|l| l.starts_with("Program log: AnchorError"))
        .collect();
    assert_eq!(anchor_lines.len(), 1, "{logs:#?}");
    let code = match instruction_error {
        solana_instruction::error::InstructionError::Custom(code) => code,
        other => panic!("{other:?}"),
    };
    assert!(
        anchor_lines[0].contains(&format!("Error Number: {code}.")),
        "{anchor_lines:?}"
    );
}
