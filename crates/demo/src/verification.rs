//! A third party verifies every receipt of the plan from a JSON file alone: the leaf, its proof
//! and the anchored PeriodRoot off-chain, then `receipts::verify_receipt` on-chain.
use std::path::Path;

use agentrunner_client::{
    ix,
    receipts::{
        index::{plan_receipts, verify_receipt},
        ReceiptJson,
    },
};
use agentrunner_embedded::EmbeddedChain;
use anchor_lang::prelude::Pubkey;
use receipts::instructions::{ReceiptInput, VerifyReceiptArgs};

use crate::{
    report::{ExecutionSummary, ReceiptCheck, VerificationSummary},
    script::{fail, sender},
};

/// Verifies every receipt of `plan`, writing each as JSON into `dir` first; `name_of` names
/// the vendor of an agent.
pub async fn verify_all(
    chain: &EmbeddedChain,
    plan: &Pubkey,
    depth: u32,
    dir: &Path,
    name_of: &dyn Fn(&Pubkey) -> String,
) -> anyhow::Result<VerificationSummary> {
    let verifier = chain.funded_keypair(1_000_000_000).await.map_err(fail)?;
    let _ = std::fs::create_dir_all(dir);
    let mut receipts = Vec::new();
    let mut executions = Vec::new();
    for found in plan_receipts(chain, plan).await? {
        let r = found.receipt;
        let path = dir.join(format!("step{}-{}.json", r.step, r.execution));
        std::fs::write(&path, serde_json::to_vec_pretty(&ReceiptJson::from(&r))?)?;
        // The verifier starts from the JSON file alone.
        let parsed: ReceiptJson = serde_json::from_slice(&std::fs::read(&path)?)?;
        let receipt = receipts::Receipt::try_from(&parsed).map_err(fail)?;
        let verification = verify_receipt(chain, &receipt, &found.tree, found.index, depth).await?;
        let (off_chain, period_root, proof) = match &verification {
            Ok(v) => (v.period_root.is_some(), v.period_root, v.proof.clone()),
            Err(_) => (false, None, Vec::new()),
        };
        let on_chain = match period_root {
            Some(period) => {
                let ix = ix::receipts::verify_receipt(
                    &period,
                    VerifyReceiptArgs {
                        input: ReceiptInput::Receipt(Box::new(receipt)),
                        index: found.index,
                        proof,
                    },
                );
                let intent = format!("verify:{}", found.index);
                sender(chain)
                    .send(&intent, &verifier, &[ix], &[], &[])
                    .await
                    .is_ok()
            }
            None => false,
        };
        executions.push(ExecutionSummary {
            step: r.step,
            execution: r.execution,
            vendor: name_of(&r.agent),
            amount_in: r.amount_in,
            amount_out: r.amount_out,
            slippage_bps: r.guards.realized_slippage_bps,
            fee: r.payment.amount,
            leaf: hex::encode(r.leaf()),
        });
        receipts.push(ReceiptCheck {
            step: r.step,
            execution: r.execution,
            index: found.index,
            leaf: r.leaf(),
            period_root,
            verified_off_chain: off_chain,
            verified_on_chain: on_chain,
        });
    }
    Ok(VerificationSummary {
        receipts,
        executions,
        files_dir: dir.to_path_buf(),
    })
}
