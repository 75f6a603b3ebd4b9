use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use onchain_common::SafeMath;

use crate::{
    constants::DELEGATE_SEED,
    custody::{self, Staging},
    error::RunnerError,
    events::PlanApproved,
    state::{Custody, Plan, PlanStatus},
};

/// The owner approves a plan's inputs: for each mint a step sells, the owner's delegate's
/// allowance on the owner's associated token account grows by exactly the plan's remaining
/// input of that mint (so approving this plan never reduces what another plan may spend), and
/// the owner's staging account of the mint is created if missing (rent from the owner).
/// Executions are refused until this has run.
#[event_cpi]
#[derive(Accounts)]
pub struct ApprovePlan<'info> {
    #[account(
        mut,
        seeds = [Plan::SEED, plan.owner.as_ref(), plan.plan_id.to_le_bytes().as_ref()],
        bump = plan.bump,
        has_one = owner @ RunnerError::Unauthorized
    )]
    pub plan: Box<Account<'info, Plan>>,
    /// Signs the allowance changes; pays the rent of new staging accounts.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// CHECK: the owner's delegate PDA (seeds checked); receives the allowance.
    #[account(seeds = [DELEGATE_SEED, owner.key().as_ref()], bump = plan.owner_delegate_bump)]
    pub owner_delegate: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
    // remaining_accounts: for each input mint in policy order, [mint, the owner's associated
    // token account (mut), the owner's staging account (mut)].
}

impl ApprovePlan<'_> {
    fn validate(&self) -> Result<()> {
        let plan = &self.plan;
        require!(
            plan.status == PlanStatus::Active,
            RunnerError::PlanNotActive
        );
        require!(
            plan.custody == Custody::Pending,
            RunnerError::PlanAlreadyApproved
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate())]
pub fn handler<'info>(ctx: Context<'info, ApprovePlan<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let accounts = &ctx.accounts;
    let plan = &accounts.plan;
    let owner = plan.owner;
    let delegate = accounts.owner_delegate.key();
    let inputs: Vec<_> = plan.input_mints().copied().collect();
    let remaining = ctx.remaining_accounts;
    require!(
        inputs.len().checked_mul(3) == Some(remaining.len()),
        RunnerError::CustodyAccountsMismatch
    );
    let mut changes = Vec::with_capacity(inputs.len());
    for (policy, group) in inputs.iter().zip(remaining.chunks_exact(3)) {
        let [mint, owner_account, staging] = group else {
            return err!(RunnerError::CustodyAccountsMismatch);
        };
        require!(
            mint.key() == policy.mint
                && owner_account.key() == custody::owner_account(&owner, policy)?
                && staging.key() == custody::staging_account(&owner, policy)?,
            RunnerError::CustodyAccountsMismatch
        );
        Staging {
            account: staging.clone(),
            owner,
            policy: *policy,
            token_program: accounts.token_program.to_account_info(),
        }
        .ensure(
            &accounts.owner.to_account_info(),
            mint,
            &accounts.system_program.to_account_info(),
        )?;
        let held =
            custody::token_account(owner_account)?.ok_or(RunnerError::InvalidInputAccount)?;
        require!(
            held.owner == owner && held.mint == policy.mint,
            RunnerError::InvalidInputAccount
        );
        let before = custody::allowance(&held, &delegate);
        let after = before.safe_add(plan.reserved_input(&policy.mint)?)?;
        custody::set_allowance(
            &accounts.token_program.to_account_info(),
            owner_account,
            &accounts.owner_delegate.to_account_info(),
            &accounts.owner.to_account_info(),
            after,
        )?;
        changes.push((policy.mint, before, after));
    }
    let plan = &mut ctx.accounts.plan;
    plan.custody = Custody::Approved {
        at: clock.unix_timestamp,
    };
    let seq = plan.next_seq()?;
    plan.invariant()?;
    emit_cpi!(PlanApproved {
        plan: plan.key(),
        owner,
        mints: changes.iter().map(|c| c.0).collect(),
        allowances_before: changes.iter().map(|c| c.1).collect(),
        allowances_after: changes.iter().map(|c| c.2).collect(),
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
