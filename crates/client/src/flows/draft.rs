//! From a goal to RFPs: what the planner knows (oracle prices and the owner's holdings, one
//! batched read), the [`Draft`] the owner signs, and the `open_rfp` arguments of each step,
//! whose maximum price is the step's fee cap of its notional exactly as the runner checks it.
use agent_registry::state::Stage;
use anchor_lang::prelude::Pubkey;
use market::{constants::guard, instructions::OpenRfpArgs, state::GuardRequirements};
use runner::{
    instructions::CreatePlanArgs,
    math::{max_fee_atoms, usd_micro, UsdPrice},
    state::{Plan, PlanStep, StepKind},
};

use super::pricing::{book_prices, holdings_of, micro_usd_per_token};
use crate::{
    chain::Chain,
    deployment::Deployment,
    ix, pda,
    plan::{plan_goal, PlanContext, PlanError, PlanGraph},
    ClientError, ClientResult,
};

/// How a planner puts steps out to bid.
#[derive(Clone, Copy, Debug)]
pub struct RfpPolicy {
    /// Seconds offers are accepted.
    pub bid_secs: i64,
    /// Lowest certification stage a bidder must hold.
    pub min_stage: Stage,
    /// Seconds after the last planned execution before the RFP lapses.
    pub margin_secs: i64,
}

impl Default for RfpPolicy {
    fn default() -> Self {
        Self {
            bid_secs: 60,
            min_stage: Stage::C,
            margin_secs: 86_400,
        }
    }
}

/// A plan ready for its owner's signature.
#[derive(Clone, Debug)]
pub struct Draft {
    pub graph: PlanGraph,
    pub args: CreatePlanArgs,
    /// The plan's address.
    pub plan: Pubkey,
}

impl Draft {
    /// The owner's `create_plan` for this draft.
    pub fn create_instruction(
        &self,
        owner: &Pubkey,
    ) -> anchor_lang::solana_program::instruction::Instruction {
        ix::runner::create_plan(owner, self.args.clone())
    }

    /// The draft as the transactions the owner signs: `create_plan`, alone.
    pub fn transactions(
        &self,
        owner: &Pubkey,
    ) -> Vec<Vec<anchor_lang::solana_program::instruction::Instruction>> {
        vec![vec![self.create_instruction(owner)]]
    }

    /// What an owner who plans for itself signs to create the plan and open its RFPs
    /// (`rfps`, from [`checked_rfps`]): `create_plan` first, then the `open_rfp`s, packed
    /// into as few legacy transactions as fit a packet — one for most plans, so a wallet shows
    /// one signature and nothing half-created is left when it is refused.
    ///
    /// # Errors
    /// An instruction that does not fit a transaction on its own.
    pub fn transactions_with_rfps(
        &self,
        owner: &Pubkey,
        rfps: Vec<OpenRfpArgs>,
    ) -> ClientResult<Vec<Vec<anchor_lang::solana_program::instruction::Instruction>>> {
        let instructions = std::iter::once(self.create_instruction(owner))
            .chain(rfps.into_iter().map(|rfp| ix::market::open_rfp(owner, rfp)));
        let mut packed: Vec<Vec<_>> = Vec::new();
        for ix in instructions {
            if let Some(last) = packed.last_mut() {
                last.push(ix.clone());
                if crate::send::transaction_size(owner, last, &[])? <= crate::send::PACKET_DATA_SIZE
                {
                    continue;
                }
                last.pop();
            }
            let size = crate::send::transaction_size(owner, std::slice::from_ref(&ix), &[])?;
            if size > crate::send::PACKET_DATA_SIZE {
                return Err(ClientError::Build(format!(
                    "an instruction of the plan's creation alone takes {size} bytes"
                )));
            }
            packed.push(vec![ix]);
        }
        Ok(packed)
    }
}

/// Why no draft came out.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A program would refuse it (the program's own rule, run here before anything is sent).
    #[error("{program} would refuse it: {reason}")]
    Refused {
        program: &'static str,
        reason: String,
    },
}

fn refused(program: &'static str, error: anchor_lang::error::Error) -> DraftError {
    let reason = match error {
        anchor_lang::error::Error::AnchorError(e) => format!("{} ({})", e.error_name, e.error_msg),
        anchor_lang::error::Error::ProgramError(e) => e.to_string(),
    };
    DraftError::Refused { program, reason }
}

impl Draft {
    /// The plan `create_plan` would write for `owner` at `now`, by the runner's own rules
    /// (`validate_args`, `new_plan` and its invariant); an error names the rule broken.
    pub fn plan(&self, owner: &Pubkey, now: i64) -> Result<Plan, DraftError> {
        use runner::instructions::create_plan::{new_plan, policy_of, validate_args};
        validate_args(&self.args).map_err(|e| refused("runner", e))?;
        let mints = self
            .args
            .mints
            .iter()
            .map(|m| policy_of(owner, m))
            .collect();
        let (_, bump) = pda::plan(owner, self.args.plan_id);
        let (_, delegate_bump) = pda::owner_delegate(owner);
        new_plan(*owner, &self.args, mints, now, bump, delegate_bump)
            .map_err(|e| refused("runner", e))
    }
}

/// The `open_rfp` arguments of every step of `draft` at `now`, each checked by the market's
/// own rule (`validate_terms`) — with the plan itself checked by [`Draft::plan`]: what a
/// planner runs before the owner signs anything, so nothing is created that cannot go on.
pub async fn checked_rfps<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    draft: &Draft,
    owner: &Pubkey,
    policy: &RfpPolicy,
    now: i64,
) -> Result<Vec<OpenRfpArgs>, DraftError> {
    let plan = draft.plan(owner, now)?;
    let args = rfp_args(chain, deployment, &draft.plan, &plan, policy, now).await?;
    for rfp in &args {
        market::instructions::open_rfp::validate_terms(rfp, now)
            .map_err(|e| refused("market", e))?;
    }
    Ok(args)
}

/// The cheapest price per capability bit among the market's live offers paid in the
/// deployment's fee token, in its atoms: what vendors currently ask (one scan of the offers,
/// one batched read of their RFPs).
pub async fn market_asks<C: Chain>(
    chain: &C,
    deployment: &Deployment,
) -> ClientResult<Vec<(u64, u64)>> {
    use anchor_lang::Discriminator;
    let fee_mint = deployment.token(&deployment.fee_token)?.mint;
    let offers: Vec<market::state::Offer> = chain
        .program_accounts(&market::ID, market::state::Offer::DISCRIMINATOR)
        .await?
        .iter()
        .filter_map(|(key, account)| crate::accounts::decode(key, &account.data).ok())
        .collect();
    let mut rfp_keys: Vec<Pubkey> = offers.iter().map(|o| o.rfp).collect();
    rfp_keys.sort();
    rfp_keys.dedup();
    let rfps = chain.accounts(&rfp_keys).await?;
    let mut asks: Vec<(u64, u64)> = Vec::new();
    for offer in &offers {
        let Some(Some(account)) = rfp_keys
            .binary_search(&offer.rfp)
            .ok()
            .map(|i| rfps[i].as_ref())
        else {
            continue;
        };
        let Ok(rfp) = crate::accounts::decode::<market::state::Rfp>(&offer.rfp, &account.data)
        else {
            continue;
        };
        if rfp.mint != fee_mint {
            continue;
        }
        match asks.iter_mut().find(|(bits, _)| *bits == rfp.capability) {
            Some((_, cheapest)) => *cheapest = (*cheapest).min(offer.price),
            None => asks.push((rfp.capability, offer.price)),
        }
    }
    Ok(asks)
}

/// What a planner knows about `owner`: oracle prices, the owner's holdings and what vendors
/// ask ([`market_asks`]).
pub async fn plan_context<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    owner: &Pubkey,
) -> ClientResult<PlanContext> {
    let priced = book_prices(chain, deployment).await?;
    let mints: Vec<Pubkey> = priced.iter().map(|(t, _)| t.mint).collect();
    let held = holdings_of(chain, owner, &mints).await?;
    let mut context = PlanContext {
        book: deployment.book(),
        prices: Vec::new(),
        holdings: Vec::new(),
        venues: vec![sim_venue::ID],
        pools: deployment.pools.clone(),
        fee_token: deployment.fee_token.clone(),
        hub: deployment.hub.clone(),
        default_interval_secs: 3_600,
        asks: market_asks(chain, deployment).await?,
    };
    for ((token, price), (_, atoms)) in priced.into_iter().zip(held) {
        if let Some(price) = price.and_then(|p| micro_usd_per_token(token.decimals, p)) {
            context.prices.push((token.symbol.clone(), price));
        }
        context.holdings.push((token.symbol, atoms));
    }
    Ok(context)
}

/// Plans `goal` for `owner` under the owner's next free plan id; `planner` opens its RFPs.
pub async fn draft<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    goal: &str,
    owner: &Pubkey,
    planner: &Pubkey,
) -> Result<Draft, DraftError> {
    let context = plan_context(chain, deployment, owner).await?;
    draft_graph(
        chain,
        deployment,
        plan_goal(goal, &context)?,
        owner,
        planner,
    )
    .await
}

/// `graph` (planned from a goal, or by the LLM planner) as `owner`'s next plan; `planner` opens
/// its RFPs.
pub async fn draft_graph<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    graph: PlanGraph,
    owner: &Pubkey,
    planner: &Pubkey,
) -> Result<Draft, DraftError> {
    let plan_id = next_plan_id(chain, owner).await?;
    let args = graph.create_args(plan_id, *planner, &deployment.book())?;
    Ok(Draft {
        graph,
        plan: pda::plan(owner, plan_id).0,
        args,
    })
}

/// Candidate plan ids read per request.
const PLAN_ID_BATCH: u64 = 64;

/// The owner's lowest plan id never used: no plan account and no transaction history. A closed
/// plan's id is never reused — its RFPs, offers and receipts still name the plan's address.
pub async fn next_plan_id<C: Chain>(chain: &C, owner: &Pubkey) -> ClientResult<u64> {
    let mut first = 1;
    loop {
        let keys: Vec<Pubkey> = (first..first + PLAN_ID_BATCH)
            .map(|id| pda::plan(owner, id).0)
            .collect();
        for (i, (key, account)) in keys.iter().zip(chain.accounts(&keys).await?).enumerate() {
            if account.is_none() && chain.signatures_for_address(key).await?.is_empty() {
                return Ok(first + i as u64);
            }
        }
        first += PLAN_ID_BATCH;
    }
}

/// The `open_rfp` arguments of every step of `plan` at `now`: the fee token of `deployment`,
/// a maximum price of the step's fee cap of its notional at current oracle prices (one whole
/// fee token for Service steps, which have no notional).
pub async fn rfp_args<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    plan_key: &Pubkey,
    plan: &Plan,
    policy: &RfpPolicy,
    now: i64,
) -> ClientResult<Vec<OpenRfpArgs>> {
    let priced = book_prices(chain, deployment).await?;
    let price_of = |mint: &Pubkey| -> ClientResult<(u8, Option<UsdPrice>)> {
        priced
            .iter()
            .find(|(t, _)| t.mint == *mint)
            .map(|(t, price)| (t.decimals, *price))
            .ok_or_else(|| ClientError::Build(format!("mint {mint} is not in the deployment")))
    };
    let fee = deployment.token(&deployment.fee_token)?;
    let (_, fee_price) = price_of(&fee.mint)?;
    plan.steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let max_price = match (step.kind, fee_price) {
                (StepKind::Service, _) | (_, None) => 10u64.pow(u32::from(fee.decimals)),
                (_, Some(fee_price)) => {
                    let (decimals, price) = price_of(&step.mint_in)?;
                    let notional = price
                        .and_then(|p| usd_micro(step.amount_in, p, decimals).ok())
                        .unwrap_or(0);
                    max_fee_atoms(notional, step.guards.fee_cap_bps, fee_price, fee.decimals)
                        .unwrap_or(0)
                        .max(1)
                }
            };
            Ok(open_rfp_args(
                plan_key,
                index as u16,
                step,
                fee.mint,
                max_price,
                policy,
                now,
            ))
        })
        .collect()
}

fn open_rfp_args(
    plan_key: &Pubkey,
    step_index: u16,
    step: &PlanStep,
    fee_mint: Pubkey,
    max_price: u64,
    policy: &RfpPolicy,
    now: i64,
) -> OpenRfpArgs {
    let span = i64::from(step.repeat.saturating_sub(1)) * i64::from(step.interval_secs);
    OpenRfpArgs {
        plan: *plan_key,
        step: step_index,
        capability: step.capability,
        mint: fee_mint,
        max_price,
        guards: GuardRequirements {
            max_slippage_bps: step.guards.max_slippage_bps,
            oracle_max_age_secs: step.guards.oracle_max_age_secs,
            fee_cap_bps: step.guards.fee_cap_bps,
            required: if step.kind == StepKind::Service {
                guard::FEE_CAP
            } else {
                guard::ALL
            },
        },
        min_stage: policy.min_stage,
        bid_deadline: now + policy.bid_secs,
        execution_deadline: now + policy.bid_secs + span + policy.margin_secs,
    }
}
