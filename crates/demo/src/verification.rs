//! A third party verifies every receipt of the plan from its receipt file: each is written
//! self-contained (proof, root, PeriodRoot, the vendor's signature and quote), checked offline
//! from the file alone, then against the PeriodRoot account and by `receipts::verify_receipt`
//! on-chain. The files verify after the demo exits (`agentrunner verify <file>`).
use std::path::Path;

use agentrunner_client::{
    ix,
    receipts::{
        audit::{receipt_file, verify_input, Standing},
        file::{check_offline, ReceiptFile, ReceiptInput, VendorAttestation},
        index::{mirror_of, period_covering, plan_receipts},
    },
};
use agentrunner_embedded::EmbeddedChain;
use anchor_lang::prelude::Pubkey;
use receipts::instructions::{ReceiptInput as ProgramInput, VerifyReceiptArgs};

use crate::{
    report::{ExecutionSummary, ReceiptCheck, VerificationSummary},
    script::{fail, sender},
};

/// The vendor's attestation of `plan`'s step `step` execution `execution`, from the signed
/// receipt file its broker wrote under `vendor_dir/<vendor>/`.
fn attestation(
    vendor_dir: &Path,
    plan: &Pubkey,
    step: u16,
    execution: u32,
) -> Option<VendorAttestation> {
    let name = format!("receipt-{plan}-{step}-{execution}.json");
    std::fs::read_dir(vendor_dir)
        .ok()?
        .flatten()
        .find_map(|vendor| {
            let text = std::fs::read_to_string(vendor.path().join(&name)).ok()?;
            serde_json::from_str::<ReceiptFile>(&text).ok()?.vendor
        })
}

/// Verifies every receipt of `plan`, writing each as a receipt file into `dir` first (with the
/// vendor's attestation from `vendor_dir`); `name_of` names the vendor of an agent.
pub async fn verify_all(
    chain: &EmbeddedChain,
    plan: &Pubkey,
    depth: u32,
    dir: &Path,
    vendor_dir: &Path,
    name_of: &dyn Fn(&Pubkey) -> String,
) -> anyhow::Result<VerificationSummary> {
    let verifier = chain.funded_keypair(1_000_000_000).await.map_err(fail)?;
    let _ = std::fs::create_dir_all(dir);
    let mut receipts = Vec::new();
    let mut executions = Vec::new();
    let found = plan_receipts(chain, plan).await?;
    let mut mirror = None;
    for found in found {
        let r = found.receipt;
        if mirror.is_none() {
            mirror = Some(mirror_of(chain, &found.tree, depth).await?);
        }
        let period = period_covering(chain, &found.tree, found.index).await?;
        let vendor = attestation(vendor_dir, plan, r.step, r.execution);
        let file = receipt_file(
            &found,
            mirror.as_ref().expect("built above"),
            period.as_ref().map(|(a, p)| (*a, p)),
            vendor,
        );
        let path = dir.join(format!("step{}-{}.json", r.step, r.execution));
        std::fs::write(&path, serde_json::to_vec_pretty(&file)?)?;
        // The verifier starts from the file alone: offline, then against the chain.
        let input = ReceiptInput::parse(&std::fs::read_to_string(&path)?).map_err(fail)?;
        let ReceiptInput::File(read) = &input else {
            anyhow::bail!("{} is not a receipt file", path.display());
        };
        let offline = check_offline(read).is_ok() && read.period_root.is_some();
        let standing = verify_input(chain, &input).await;
        let period_root = match &standing {
            Ok((_, Standing::Anchored { period_root })) => Some(*period_root),
            _ => None,
        };
        let on_chain = match (period_root, &read.proof) {
            (Some(period), Some(proof)) => {
                let ix = ix::receipts::verify_receipt(
                    &period,
                    VerifyReceiptArgs {
                        input: ProgramInput::Receipt(Box::new(r)),
                        index: found.index,
                        proof: proof.node_bytes().map_err(fail)?,
                    },
                );
                let intent = format!("verify:{}", found.index);
                sender(chain)
                    .send(&intent, &verifier, &[ix], &[], &[])
                    .await
                    .is_ok()
            }
            _ => false,
        };
        let off_chain = offline && period_root.is_some();
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
