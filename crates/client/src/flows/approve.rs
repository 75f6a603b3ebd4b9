//! The owner's approval of a plan, drafted from its [`PlanView`]: a budget exactly covering
//! the awarded price of every execution, one grant per awarded step, the missing output
//! accounts and `approve_plan` ([`Approval`] says what each transaction does).
use anchor_lang::prelude::Pubkey;
use runner::state::{Plan, PlanStep, StepKind};

use crate::{
    accounts::next_grant_base,
    chain::Chain,
    deployment::Deployment,
    ix::approval::{Approval, PlanMints, StepGrant},
    pda, units, ClientError, ClientResult,
};

use super::{pricing::holdings_of, PlanView};

/// The approval of `view`'s plan, valid for `lifetime_secs` from the view's clock.
///
/// # Errors
/// A step that is not awarded yet (the approval pays each step's award).
pub async fn approval<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    view: &PlanView,
    lifetime_secs: i64,
) -> ClientResult<Approval> {
    let fee = deployment.token(&deployment.fee_token)?;
    let mut grants = Vec::new();
    for (step, state) in view.steps.iter().zip(&view.plan.steps) {
        let award = step
            .award()
            .ok_or_else(|| ClientError::Build(format!("step {} is not awarded yet", step.index)))?;
        grants.push(StepGrant {
            step: step.index as u8,
            award,
            vendor_token: pda::ata(&award.payout, &fee.mint, &anchor_spl::token::ID),
            executions: state.repeat,
        });
    }
    let owner = view.plan.owner;
    Ok(Approval {
        owner,
        plan: view.key,
        fee_mint: fee.mint,
        fee_token_program: anchor_spl::token::ID,
        owner_fee_token: pda::ata(&owner, &fee.mint, &anchor_spl::token::ID),
        deposit: grants.iter().map(StepGrant::max_amount).sum(),
        not_before: view.now(),
        expires_at: view.now() + lifetime_secs,
        grants,
        mints: PlanMints::of(&view.plan),
        first_grant: next_grant_base(chain, &owner).await?,
    })
}

/// The approval `owner` may sign for `view`'s plan now, valid `lifetime_secs`: refused, saying
/// why, when the plan is another's, cancelled, already approved, a step is not awarded yet, or
/// the owner holds less than the plan takes ([`still_takes`]) — what the CLI, the explorer and
/// its Solana Action all check before building anything.
pub async fn owner_approval<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    view: &PlanView,
    owner: &Pubkey,
    lifetime_secs: i64,
) -> ClientResult<Approval> {
    view.require_owner(owner)?;
    let plan = &view.plan;
    if let runner::state::PlanStatus::Cancelled { .. } = plan.status {
        return Err(ClientError::Build(format!(
            "plan {} is cancelled; it can only be settled",
            view.key
        )));
    }
    if !matches!(plan.custody, runner::state::Custody::Pending) {
        return Err(ClientError::Build(format!(
            "plan {} is already approved",
            view.key
        )));
    }
    let approval = approval(chain, deployment, view, lifetime_secs).await?;
    require_funded(chain, deployment, plan, &approval).await?;
    Ok(approval)
}

/// What the plan still takes from its owner's own accounts, per mint: every step's remaining
/// input (a rebalance's and a step's paid by a step it waits for excepted, as planning counts
/// them: `plan::within_holdings`) and, in the fee mint, the budget's deposit.
pub fn still_takes(plan: &Plan, fee_mint: &Pubkey, deposit: u64) -> Vec<(Pubkey, u128)> {
    let mut takes: Vec<(Pubkey, u128)> = vec![(*fee_mint, u128::from(deposit))];
    let waits_for_its_input = |step: &PlanStep| {
        plan.steps
            .iter()
            .enumerate()
            .any(|(i, earlier)| step.depends_on & (1 << i) != 0 && earlier.mint_out == step.mint_in)
    };
    for step in plan.steps.iter().filter(|s| {
        (s.kind.is_swap_like() || s.kind.is_liquidity())
            && s.kind != StepKind::Rebalance
            && !waits_for_its_input(s)
    }) {
        let left =
            u128::from(step.amount_in) * u128::from(step.repeat.saturating_sub(step.executions));
        match takes.iter_mut().find(|(mint, _)| *mint == step.mint_in) {
            Some((_, sum)) => *sum += left,
            None => takes.push((step.mint_in, left)),
        }
    }
    takes
}

/// Refuses an approval that would leave the plan short: the owner holds less of a mint than
/// the plan still sells of it plus, in the fee mint, the deposit — the step would only be
/// reported unfunded once it is due.
async fn require_funded<C: Chain>(
    chain: &C,
    deployment: &Deployment,
    plan: &Plan,
    approval: &Approval,
) -> ClientResult<()> {
    let takes = still_takes(plan, &approval.fee_mint, approval.deposit);
    let mints: Vec<Pubkey> = takes.iter().map(|(mint, _)| *mint).collect();
    let held = holdings_of(chain, &plan.owner, &mints).await?;
    let book = deployment.book();
    for ((mint, needed), (_, holds)) in takes.iter().zip(held) {
        if *needed > u128::from(holds) {
            let (symbol, decimals) = book
                .by_mint(mint)
                .map_or((mint.to_string(), 0), |t| (t.symbol.clone(), t.decimals));
            let fee_note = if *mint == approval.fee_mint && approval.deposit > 0 {
                format!(
                    " (with {} {symbol} deposited for the vendors' fees)",
                    units::amount(approval.deposit, decimals)
                )
            } else {
                String::new()
            };
            return Err(ClientError::Build(format!(
                "approving would leave the plan short: it takes {} {symbol}{fee_note}, but you \
                 hold {} {symbol}; fund your account, or plan a smaller amount",
                units::amount(u64::try_from(*needed).unwrap_or(u64::MAX), decimals),
                units::amount(holds, decimals),
            )));
        }
    }
    Ok(())
}
