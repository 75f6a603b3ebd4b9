//! Guarded execution: the awarded vendor of each step executes every run as its interval comes
//! round; before step 1 the price feeder goes down for an hour and the vendor forces an
//! execution on the stale price straight to the chain, which the runner refuses.
use agentrunner_client::{chain::Chain, errors, flows::Draft, pda};
use agentrunner_embedded::{localnet::Localnet, EmbeddedChain};
use agentrunner_keepers::broker::{Broker, Strategy};
use anchor_lang::prelude::Pubkey;
use market::state::Rfp;
use runner::state::Plan;
use solana_signer::Signer;

use crate::{
    report::{ExecutionPhase, ExecutionSummary, StaleAttempt, StepOffers},
    script::fail,
};

/// Runs every execution of `draft`'s plan with the awarded brokers (`brokers[i]` runs vendor
/// `names[i]`), the stale-price attempt included.
pub async fn run(
    chain: &EmbeddedChain,
    localnet: &Localnet,
    draft: &Draft,
    planner: &Pubkey,
    offers: &[StepOffers],
    brokers: &[(&str, Broker<'_, EmbeddedChain>)],
) -> anyhow::Result<ExecutionPhase> {
    let awarded = |step: u16| -> anyhow::Result<&(&str, Broker<'_, EmbeddedChain>)> {
        let winner = &offers[usize::from(step)].winner;
        brokers
            .iter()
            .find(|(name, _)| name == winner)
            .ok_or_else(|| fail(format!("step {step} has no awarded vendor")))
    };
    let mut landed = Vec::new();
    let mut stale = None;
    for (step, node) in draft.graph.steps.iter().enumerate() {
        let step = step as u16;
        let (name, broker) = awarded(step)?;
        for execution in 0..node.repeat {
            if step == 1 && execution == 0 {
                // The adversarial moment: the feeder is down for an hour and the vendor forces
                // an execution on the hour-old price.
                localnet.set_feeding(false);
                localnet
                    .advance(chain, i64::from(node.interval_secs.max(3_600)))
                    .await
                    .map_err(fail)?;
                let (refusal, changed_nothing) =
                    forced_stale_attempt(chain, broker, &draft.plan, planner, step).await?;
                stale = Some(StaleAttempt {
                    vendor: name.to_string(),
                    step,
                    refusal,
                    changed_nothing,
                });
                localnet.set_feeding(true);
                localnet.publish_prices(chain).await.map_err(fail)?;
            } else if execution > 0 || step > 0 {
                localnet
                    .advance(chain, i64::from(node.interval_secs))
                    .await
                    .map_err(fail)?;
            }
            let rfp: Rfp = chain.fetch(&pda::rfp(planner, &draft.plan, step).0).await?;
            let (outcome, executed) = broker.execute(&rfp).await.map_err(fail)?;
            let Some(executed) = executed else {
                anyhow::bail!("step {step} execution {execution}: {}", outcome.describe());
            };
            if let Some(receipt) = &executed.receipt {
                let r = &receipt.located.receipt;
                landed.push(ExecutionSummary {
                    step,
                    execution: u32::from(execution),
                    vendor: name.to_string(),
                    amount_in: r.amount_in,
                    amount_out: r.amount_out,
                    slippage_bps: r.guards.realized_slippage_bps,
                    fee: r.payment.amount,
                    leaf: receipt.located.leaf.clone(),
                });
            }
        }
    }
    let plan: Plan = chain.fetch(&draft.plan).await?;
    let d = &localnet.deployment;
    let token = |mint: &Pubkey| {
        d.token_by_mint(mint)
            .map(|t| (t.symbol.clone(), t.decimals))
            .unwrap_or_default()
    };
    let first = &plan.steps[0];
    Ok(ExecutionPhase {
        landed,
        stale: stale.ok_or_else(|| fail("the plan has one step: no stale-price attempt"))?,
        plan_finished: plan.is_finished(),
        pair: (token(&first.mint_in), token(&first.mint_out)),
    })
}

/// The awarded vendor sends an execution of `step` on stale prices straight to the chain (no
/// simulation, no guard check of its own). Returns the runner's refusal and whether every
/// account the transaction named is unchanged.
async fn forced_stale_attempt(
    chain: &EmbeddedChain,
    broker: &Broker<'_, EmbeddedChain>,
    plan: &Pubkey,
    planner: &Pubkey,
    step: u16,
) -> anyhow::Result<(String, bool)> {
    let reckless = Broker::new(
        chain,
        crate::script::sender(chain),
        broker.vendor.insecure_clone(),
        broker.agent,
        broker.deployment,
        Strategy {
            respects_guards: false,
            ..broker.strategy.clone()
        },
    );
    let rfp: Rfp = chain.fetch(&pda::rfp(planner, plan, step).0).await?;
    let ix = reckless.execution_instruction(&rfp).await.map_err(fail)?;
    let keys: Vec<Pubkey> = ix
        .accounts
        .iter()
        .map(|m| m.pubkey)
        .filter(|k| *k != broker.vendor.pubkey())
        .collect();
    let before = chain.accounts(&keys).await.map_err(fail)?;
    let table = broker.deployment.lookup_table_account();
    let refusal = match chain.send_v0(&broker.vendor, &[ix], &[], &[table]).await {
        Ok(_) => anyhow::bail!("the runner accepted an execution on a stale price"),
        Err(e) => e
            .transaction_error()
            .map(errors::describe)
            .unwrap_or_else(|| e.to_string()),
    };
    let after = chain.accounts(&keys).await.map_err(fail)?;
    Ok((refusal, before == after))
}
