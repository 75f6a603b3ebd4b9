//! JSON-RPC as agave's own client (`solana-rpc-client`) and raw HTTP meet it: preflight
//! failures with the validator's codes and the simulation's logs, encodings, token reads and
//! transaction meta, and malformed requests that get typed errors and change nothing.
use agentrunner_embedded::rpc_server::http::MAX_REQUEST_BODY;
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_rpc_client_api::{
    client_error::ErrorKind,
    config::{RpcSendTransactionConfig, RpcSimulateTransactionConfig, RpcTransactionConfig},
    request::{RpcError, RpcResponseErrorData},
};
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::UiTransactionEncoding;

use super::cluster;

fn preflight_failure(
    error: solana_rpc_client_api::client_error::Error,
) -> (i64, TransactionError, Vec<String>) {
    match error.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError {
            code,
            data: RpcResponseErrorData::SendTransactionPreflightFailure(result),
            ..
        }) => (
            *code,
            result.err.clone().expect("the simulation's error").into(),
            result.logs.clone().unwrap_or_default(),
        ),
        other => panic!("expected a preflight failure, got {other:?}"),
    }
}

#[tokio::test]
async fn test_preflight_refuses_a_failing_transaction_with_its_error_and_logs_and_charges_nothing()
{
    let c = cluster().await;
    let client = c.client();
    let before = client.get_balance(&c.payer.pubkey()).await.unwrap();
    // More lamports than the payer has: the system program fails with Custom(1).
    let tx = c.transfer(&Pubkey::new_unique(), before * 2).await;
    let error = client.send_transaction(&tx).await.unwrap_err();
    let (code, err, logs) = preflight_failure(error);
    assert_eq!(code, -32002);
    assert_eq!(
        err,
        TransactionError::InstructionError(
            0,
            solana_instruction::error::InstructionError::Custom(1)
        )
    );
    assert!(
        logs.iter().any(|l| l.contains("insufficient lamports")),
        "{logs:?}"
    );
    // Our own RpcChain sees exactly the error and logs a cluster's preflight returns.
    let simulated = agentrunner_client::chain::Chain::simulate(
        &agentrunner_client::rpc::RpcChain::new(&c.server.url()),
        &tx,
    )
    .await
    .unwrap();
    assert_eq!(simulated.error, Some(err.clone()));
    assert_eq!(simulated.logs, logs);
    assert_eq!(client.get_balance(&c.payer.pubkey()).await.unwrap(), before);
    assert!(
        c.chain.status(&tx.signatures[0]).is_none(),
        "nothing landed"
    );

    // skipPreflight: it lands failed and pays its fee, as on a cluster.
    let signature = client
        .send_transaction_with_config(
            &tx,
            RpcSendTransactionConfig {
                skip_preflight: true,
                ..RpcSendTransactionConfig::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(signature, tx.signatures[0]);
    assert!(matches!(c.chain.status(&signature), Some(Err(_))));
    assert_eq!(
        client.get_balance(&c.payer.pubkey()).await.unwrap(),
        before - 5_000
    );
}

#[tokio::test]
async fn test_a_forged_signature_is_refused_with_32003_and_changes_nothing() {
    let c = cluster().await;
    let mut tx = c.transfer(&Pubkey::new_unique(), 1_000).await;
    tx.signatures[0] = Keypair::new().sign_message(b"not this message");
    let before = c.chain.balance(&c.payer.pubkey()).await.unwrap();
    let error = c.client().send_transaction(&tx).await.unwrap_err();
    let ErrorKind::RpcError(RpcError::RpcResponseError { code, message, .. }) = error.kind() else {
        panic!("{error:?}");
    };
    assert_eq!(
        (*code, message.as_str()),
        (-32003, "Transaction signature verification failure")
    );
    assert_eq!(c.chain.balance(&c.payer.pubkey()).await.unwrap(), before);
}

#[tokio::test]
async fn test_simulation_counts_units_and_replaces_the_blockhash_on_request() {
    let c = cluster().await;
    let client = c.client();
    let tx = c.transfer(&Pubkey::new_unique(), 1_000_000).await;
    let result = client.simulate_transaction(&tx).await.unwrap().value;
    assert_eq!(result.err, None);
    // The system program is a builtin with a fixed cost: 150 units.
    assert_eq!(result.units_consumed, Some(150));
    assert_eq!(result.fee, Some(5_000));

    let replaced = client
        .simulate_transaction_with_config(
            &tx,
            RpcSimulateTransactionConfig {
                replace_recent_blockhash: true,
                ..RpcSimulateTransactionConfig::default()
            },
        )
        .await
        .unwrap()
        .value;
    assert!(replaced.replacement_blockhash.is_some());
    let refused = client
        .simulate_transaction_with_config(
            &tx,
            RpcSimulateTransactionConfig {
                replace_recent_blockhash: true,
                sig_verify: true,
                ..RpcSimulateTransactionConfig::default()
            },
        )
        .await
        .unwrap_err();
    assert!(refused
        .to_string()
        .contains("sigVerify may not be used with replaceRecentBlockhash"));
}

#[tokio::test]
async fn test_get_transaction_reports_balances_token_balances_and_every_encoding() {
    let c = cluster().await;
    let client = c.client();
    let usdc = c.localnet.deployment.token("USDC").unwrap().clone();
    let from = c
        .localnet
        .fund_tokens(&c.chain, &c.payer.pubkey(), "USDC", 5_000_000)
        .await
        .unwrap();
    let receiver = Keypair::new();
    let to = c
        .localnet
        .fund_tokens(&c.chain, &receiver.pubkey(), "USDC", 0)
        .await
        .unwrap();
    let ix = spl_token_interface::instruction::transfer_checked(
        &spl_token_interface::ID,
        &from,
        &usdc.mint,
        &to,
        &c.payer.pubkey(),
        &[],
        1_250_000,
        6,
    )
    .unwrap();
    let tx = c.signed(&[ix]).await;
    let signature = client.send_and_confirm_transaction(&tx).await.unwrap();

    let fetched = client
        .get_transaction(&signature, UiTransactionEncoding::Json)
        .await
        .unwrap();
    let meta = fetched.transaction.meta.unwrap();
    assert_eq!(meta.fee, 5_000);
    assert_eq!(meta.pre_balances[0] - meta.post_balances[0], 5_000);
    let amounts = |balances: Option<
        Vec<solana_transaction_status_client_types::UiTransactionTokenBalance>,
    >| {
        let mut v: Vec<(String, u8)> = balances
            .unwrap()
            .into_iter()
            .map(|b| (b.ui_token_amount.amount, b.ui_token_amount.decimals))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        amounts(meta.pre_token_balances.clone().into()),
        vec![("0".into(), 6), ("5000000".into(), 6)]
    );
    assert_eq!(
        amounts(meta.post_token_balances.clone().into()),
        vec![("1250000".into(), 6), ("3750000".into(), 6)]
    );
    assert!(Option::<u64>::from(meta.compute_units_consumed).is_some());
    for encoding in [
        UiTransactionEncoding::Base58,
        UiTransactionEncoding::Base64,
        UiTransactionEncoding::JsonParsed,
    ] {
        let again = client
            .get_transaction_with_config(
                &signature,
                RpcTransactionConfig {
                    encoding: Some(encoding),
                    max_supported_transaction_version: Some(0),
                    ..RpcTransactionConfig::default()
                },
            )
            .await
            .unwrap();
        if let Some(decoded) = again.transaction.transaction.decode() {
            assert_eq!(decoded.signatures[0], signature);
        } else {
            assert_eq!(encoding, UiTransactionEncoding::JsonParsed);
        }
    }

    // Token reads, jsonParsed through agave's account decoder.
    let balance = client.get_token_account_balance(&to).await.unwrap();
    assert_eq!((balance.amount.as_str(), balance.decimals), ("1250000", 6));
    let parsed = client.get_token_account(&to).await.unwrap().unwrap();
    assert_eq!(parsed.owner, receiver.pubkey().to_string());
    let owned = client
        .get_token_accounts_by_owner(
            &receiver.pubkey(),
            solana_rpc_client_api::request::TokenAccountsFilter::Mint(usdc.mint),
        )
        .await
        .unwrap();
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].pubkey, to.to_string());
    let supply = client.get_token_supply(&usdc.mint).await.unwrap();
    assert_eq!(supply.decimals, 6);
}

#[tokio::test]
async fn test_malformed_requests_get_typed_errors_and_the_server_keeps_serving() {
    let c = cluster().await;
    let (status, body) = c.raw("{not json").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (200, json!(-32700))
    );
    let (_, body) = c
        .raw(json!({"jsonrpc": "2.0", "id": 1, "method": "getNothing"}).to_string())
        .await;
    assert_eq!(body["error"]["code"], json!(-32601));
    assert_eq!(body["id"], json!(1));
    let (_, body) = c
        .raw(
            json!({"jsonrpc": "2.0", "id": 2, "method": "getBalance", "params": ["nope"]})
                .to_string(),
        )
        .await;
    assert_eq!(body["error"]["code"], json!(-32602));
    let (_, body) = c.raw(json!({"jsonrpc": "2.0", "id": 3}).to_string()).await;
    assert_eq!(body["error"]["code"], json!(-32600));
    let (_, body) = c.raw("[]").await;
    assert_eq!(body["error"]["code"], json!(-32600));
    let (status, _) = c.raw(vec![b' '; MAX_REQUEST_BODY + 1]).await;
    assert_eq!(status, 413);
    let (_, body) = c
        .raw(
            json!({"jsonrpc": "2.0", "id": 4, "method": "getAccountInfo",
                    "params": [c.payer.pubkey().to_string(), {"minContextSlot": u64::MAX}]})
            .to_string(),
        )
        .await;
    assert_eq!(body["error"]["code"], json!(-32016));
    // A batch is answered in order.
    let (_, body) = c
        .raw(
            json!([
                {"jsonrpc": "2.0", "id": "a", "method": "getSlot"},
                {"jsonrpc": "2.0", "id": "b", "method": "getNothing"},
                {"jsonrpc": "2.0", "id": "c", "method": "getHealth"},
            ])
            .to_string(),
        )
        .await;
    assert_eq!(body[0]["id"], json!("a"));
    assert_eq!(body[1]["error"]["code"], json!(-32601));
    assert_eq!(body[2]["result"], json!("ok"));
    // Base58 is refused above 128 bytes, as a validator does; base64 is served.
    let mint = c.localnet.deployment.token("USDC").unwrap().mint;
    let (_, body) = c
        .raw(
            json!({"jsonrpc": "2.0", "id": 5, "method": "getAccountInfo",
                    "params": [c.localnet.table.key.to_string()]})
            .to_string(),
        )
        .await;
    assert_eq!(body["error"]["code"], json!(-32602), "{body}");
    let (_, body) = c
        .raw(
            json!({"jsonrpc": "2.0", "id": 6, "method": "getAccountInfo",
                    "params": [mint.to_string(), {"encoding": "jsonParsed"}]})
            .to_string(),
        )
        .await;
    assert_eq!(
        body["result"]["value"]["data"]["parsed"]["info"]["decimals"],
        json!(6),
        "{body}"
    );
    assert_eq!(c.client().get_health().await.unwrap(), ());
}

#[tokio::test]
async fn test_blocks_are_sealed_when_the_clock_leaves_their_slot() {
    let c = cluster().await;
    let client = c.client();
    let tx = c.transfer(&Pubkey::new_unique(), 1_000_000).await;
    let signature = client.send_transaction(&tx).await.unwrap();
    let slot = c.chain.transaction_record(&signature).unwrap().slot;
    let code = |error: solana_rpc_client_api::client_error::Error| match error.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => *code,
        other => panic!("{other:?}"),
    };
    // Not sealed while its slot runs.
    assert_eq!(code(client.get_block(slot).await.unwrap_err()), -32004);

    c.localnet.advance(&c.chain, 2).await.unwrap();
    let block = client
        .get_block_with_config(
            slot,
            solana_rpc_client_api::config::RpcBlockConfig {
                encoding: Some(UiTransactionEncoding::Base64),
                max_supported_transaction_version: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Every transaction of the slot, in processing order, ours among them.
    let in_block: Vec<_> = block
        .transactions
        .unwrap()
        .iter()
        .map(|t| t.transaction.decode().unwrap().signatures[0])
        .collect();
    let in_slot: Vec<_> = c
        .chain
        .history(&c.payer.pubkey())
        .into_iter()
        .filter(|s| c.chain.transaction_record(s).unwrap().slot == slot)
        .collect();
    assert!(in_block.contains(&signature));
    assert!(in_slot.iter().all(|s| in_block.contains(s)));
    assert_eq!(
        block.block_time,
        Some(c.chain.transaction_record(&signature).unwrap().unix_time)
    );
    let blocks = client.get_blocks(0, None).await.unwrap();
    assert!(blocks.contains(&slot), "{blocks:?}");
    let at = blocks.iter().position(|s| *s == slot).unwrap();
    if at > 0 {
        let previous = client.get_block(blocks[at - 1]).await.unwrap();
        assert_eq!(block.previous_blockhash, previous.blockhash);
        assert_eq!(block.parent_slot, blocks[at - 1]);
    }
    assert_eq!(
        client.get_block_time(slot).await.unwrap(),
        block.block_time.unwrap()
    );
    // A slot the warp skipped holds no block.
    let now = c.chain.clock().await.unwrap().slot;
    let skipped = (slot + 1..now)
        .find(|s| !blocks.contains(s))
        .expect("a skipped slot");
    assert_eq!(code(client.get_block(skipped).await.unwrap_err()), -32007);
}

#[tokio::test]
async fn test_every_listed_method_is_served() {
    let c = cluster().await;
    let batch: Vec<Value> = agentrunner_embedded::rpc_server::methods::METHODS
        .iter()
        .enumerate()
        .map(|(id, method)| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": []}))
        .collect();
    let (_, answers) = c.raw(Value::Array(batch).to_string()).await;
    let answers = answers.as_array().unwrap();
    assert_eq!(
        answers.len(),
        agentrunner_embedded::rpc_server::methods::METHODS.len()
    );
    for (method, answer) in agentrunner_embedded::rpc_server::methods::METHODS
        .iter()
        .zip(answers)
    {
        // Served: a result, or a typed complaint about the (empty) parameters — never -32601.
        assert_ne!(answer["error"]["code"], json!(-32601), "{method}: {answer}");
    }
}
