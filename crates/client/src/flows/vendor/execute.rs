//! Executing: an awarded step's next execution as its vendor builds it — ready to sign, to wait
//! for (and why), finished, or to be reported unfunded because the owner took the input away.
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use escrow::state::{Budget, Grant};
use market::state::{Rfp, RfpStatus};
use runner::{
    error::RunnerError,
    state::{Plan, PlanStep, StepKind},
};
use sim_venue::instructions::SwapArgs;

use super::quote::{self, Quote};
use crate::{
    accounts::decode,
    chain::Chain,
    deployment::Deployment,
    errors::{anchor_error_code, anchor_error_text},
    flows::Strategy,
    ix::{
        self,
        escrow::BudgetRef,
        runner::{LiquidityLeg, StepRef, SwapLeg, VenueCall},
    },
    pda, pinned,
    prefetch::Prefetched,
    receipts::{file::VendorQuote, shards},
    ClientError, ClientResult,
};

/// An execution ready to sign (the vendor signs and pays).
#[derive(Clone, Debug)]
pub struct Execution {
    pub ix: Instruction,
    /// A stable name of the state transition, `execute:<plan>:<step>:<execution>`.
    pub intent: String,
    /// What the vendor expects it to trade (none for an agent that does not quote).
    pub quote: Option<VendorQuote>,
    pub step: u8,
    pub execution: u16,
}

/// What to do about an awarded step now.
#[derive(Clone, Debug)]
pub enum Next {
    Ready(Execution),
    /// The owner took the step's input away: sign this `report_unfunded_step`, so the step
    /// stops without counting as the vendor's failure.
    Unfunded(Instruction),
    /// Not now, and why (not ready, no grant yet, guards would refuse, its condition).
    Wait(String),
    /// Nothing left to execute.
    Finished(String),
}

/// The next execution of `rfp`'s step by `agent` (owned by `vendor`) trading by `strategy`: an
/// agent that respects guards quotes it first with the runner's own rules and waits while
/// they would refuse; the venue is asked for at least the runner's minimum, or its own quote
/// less `venue_tolerance_bps` if that is more.
pub async fn next_execution<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    rfp: &Rfp,
    (vendor, agent): (&Pubkey, &Pubkey),
    strategy: &Strategy,
) -> ClientResult<Next> {
    let RfpStatus::Awarded(award) = rfp.status else {
        return Ok(Next::Wait("not awarded".into()));
    };
    if award.agent != *agent {
        return Ok(Next::Wait("awarded to another agent".into()));
    }
    // A settled plan is closed; its RFP stays awarded.
    let first = Prefetched::load(chain, &[rfp.plan, solana_sdk_ids::sysvar::clock::ID]).await?;
    let Some(plan) = first.account(&rfp.plan).await? else {
        return Ok(Next::Finished("the plan is closed".into()));
    };
    let plan: Plan = decode(&rfp.plan, &plan.data)?;
    let index = u8::try_from(rfp.step).unwrap_or(u8::MAX);
    let now = first.clock().await?.unix_timestamp;
    let step = match plan.require_ready(index, now) {
        Ok(step) => step,
        Err(e) => {
            let reason = format!("step {index}: {}", anchor_error_text(&e));
            return Ok(
                if anchor_error_code(&e) == Some(u32::from(RunnerError::StepFinished)) {
                    Next::Finished(reason)
                } else {
                    Next::Wait(reason)
                },
            );
        }
    };
    let budget = BudgetRef::new(
        &plan.owner,
        &rfp.plan.to_bytes(),
        rfp.mint,
        anchor_spl::token::ID,
    );
    let reads = step_reads(deployment, &plan, &step, rfp, agent, &budget.budget);
    let chain = &Prefetched::load(chain, &reads).await?;
    if !input_funded(chain, &plan, &step).await? {
        return Ok(Next::Unfunded(ix::runner::report_unfunded_step(
            &rfp.plan, &plan, index, vendor,
        )));
    }
    let Some(grant) = grant_for(chain, &rfp.plan, rfp.step, &budget.budget).await? else {
        return Ok(Next::Wait("no grant pays this step yet".into()));
    };
    let (shard, _) = deployment.shard_of(&rfp.plan);
    let (receipts, _) = shards::newest(chain, shard).await?;
    let agent_state: agent_registry::state::Agent = chain.fetch(agent).await?;
    let step_ref = StepRef {
        plan: rfp.plan,
        planner: rfp.requester,
        step: index,
        vendor: *vendor,
        agent: *agent,
        agent_version: pda::agent_version(agent, agent_state.version_count.saturating_sub(1)).0,
        budget,
        grant,
        vendor_token: pda::ata(&award.payout, &rfp.mint, &anchor_spl::token::ID),
        owner: plan.owner,
        receipts,
    };
    let quote = match quote::quote(chain, deployment, &plan, &step, &rfp.mint, award.price).await {
        Ok(quote) => Some(quote),
        Err(refusal) if strategy.respects_guards => {
            return Ok(Next::Wait(format!("guards would refuse: {refusal}")));
        }
        Err(_) => None,
    };
    let vendor_quote = quote.map(|q| VendorQuote {
        plan: rfp.plan.to_string(),
        step: index,
        execution: step.executions,
        expected_out: q.expected_out,
        min_out: q.min_out,
        pool_out: q.pool_out,
        oracle_price: q.price_in,
        oracle_publish_time: q.publish_time,
    });
    let venue_min_out = quote.map_or(0, |q| venue_minimum(&q, strategy.venue_tolerance_bps));
    let quote_hash = vendor_quote.as_ref().map_or([0; 32], VendorQuote::hash);
    let ix = step_instruction(
        deployment,
        &plan,
        &step,
        rfp,
        &step_ref,
        venue_min_out,
        quote_hash,
    )?;
    Ok(Next::Ready(Execution {
        ix,
        intent: format!("execute:{}:{index}:{}", rfp.plan, step.executions),
        quote: vendor_quote,
        step: index,
        execution: step.executions,
    }))
}

/// What the rest of a ready step's execution reads, known from the plan and the deployment (one
/// batched read instead of one each): the owner's input account, the budget, the agent, the
/// receipt shard, the oracles the plan pins for the step's and the fee's mints, the pair's pool
/// and vaults, and the clock.
fn step_reads(
    deployment: &Deployment,
    plan: &Plan,
    step: &PlanStep,
    rfp: &Rfp,
    agent: &Pubkey,
    budget: &Pubkey,
) -> Vec<Pubkey> {
    let mut keys = vec![
        ix::runner::owner_account(&plan.owner, &step.mint_in),
        *budget,
        *agent,
        pda::shard(deployment.shard_of(&rfp.plan).0).0,
        solana_sdk_ids::sysvar::clock::ID,
    ];
    keys.extend(
        [step.mint_in, step.mint_out, rfp.mint]
            .iter()
            .filter_map(|mint| pinned::policy(plan, mint).ok())
            .map(|policy| policy.oracle),
    );
    if let Some(pool) = deployment.pool(&step.mint_in, &step.mint_out) {
        keys.extend([
            pool.pool,
            pool.vault(&step.mint_in),
            pool.vault(&step.mint_out),
        ]);
    }
    keys
}

/// What the venue is asked for at least: the runner's minimum, or the pool's quote less
/// `tolerance_bps` if that is more (without a quote an agent trusts the pool's spot price: 0).
fn venue_minimum(quote: &Quote, tolerance_bps: u16) -> u64 {
    quote
        .min_out
        .max(quote.pool_out - quote.pool_out * u64::from(tolerance_bps) / 10_000)
}

/// The guarded execution of `step` through the deployment's sim_venue pool.
fn step_instruction(
    deployment: &Deployment,
    plan: &Plan,
    step: &PlanStep,
    rfp: &Rfp,
    step_ref: &StepRef,
    venue_min_out: u64,
    quote_hash: [u8; 32],
) -> ClientResult<Instruction> {
    let no_pool = || ClientError::Build("no pool for the step's pair".into());
    if step.kind.is_liquidity() {
        let lp = if step.kind == StepKind::AddLiquidity {
            step.mint_out
        } else {
            step.mint_in
        };
        let (_, pool) = deployment.pool_of_lp(&lp).ok_or_else(no_pool)?;
        let venue = LiquidityLeg::sim_venue_call(plan, step, &pool, venue_min_out);
        let leg = LiquidityLeg::for_step(plan, step, &pool, &rfp.mint, venue)?;
        return Ok(ix::runner::execute_liquidity_step(
            step_ref, &leg, quote_hash,
        ));
    }
    let pool = deployment
        .pool(&step.mint_in, &step.mint_out)
        .ok_or_else(no_pool)?;
    let leg = SwapLeg::for_step(
        plan,
        step,
        &rfp.mint,
        VenueCall::sim_venue_swap(
            &pool,
            &plan.owner,
            &step.mint_in,
            &ix::runner::owner_account(&plan.owner, &step.mint_out),
            SwapArgs {
                amount_in: step.amount_in,
                min_out: venue_min_out,
            },
        ),
    )?;
    Ok(ix::runner::execute_swap_step(step_ref, &leg, quote_hash))
}

/// Whether the owner's account holds and delegates what one execution of `step` sells
/// (always, for a Service step).
async fn input_funded<C: Chain>(chain: &C, plan: &Plan, step: &PlanStep) -> ClientResult<bool> {
    if step.kind == StepKind::Service {
        return Ok(true);
    }
    let address = ix::runner::owner_account(&plan.owner, &step.mint_in);
    let Some(account) = chain.account(&address).await? else {
        return Ok(false);
    };
    let held: anchor_spl::token::TokenAccount = decode(&address, &account.data)?;
    let delegated = held.delegate.contains(&pda::owner_delegate(&plan.owner).0);
    Ok(held.amount >= step.amount_in && delegated && held.delegated_amount >= step.amount_in)
}

/// The grant of `budget` that pays (plan, step): the budget's own grants, whose addresses
/// follow from its grant base and count (two reads, however many grants exist elsewhere).
async fn grant_for<C: Chain>(
    chain: &C,
    plan: &Pubkey,
    step: u16,
    budget: &Pubkey,
) -> ClientResult<Option<Pubkey>> {
    let Some(account) = chain.account(budget).await? else {
        return Ok(None);
    };
    let budget_state: Budget = decode(budget, &account.data)?;
    let keys: Vec<Pubkey> = (0..budget_state.grant_count)
        .map(|k| pda::grant(budget, budget_state.grant_base + k).0)
        .collect();
    for (key, account) in keys.iter().zip(chain.accounts(&keys).await?) {
        let Some(account) = account else { continue };
        let grant: Grant = decode(key, &account.data)?;
        if grant.plan == *plan && grant.step == step {
            return Ok(Some(*key));
        }
    }
    Ok(None)
}
