//! The steps every paid, receipted execution shares: authorizing the vendor against the
//! market award, checking the grant binding, and [`Settlement::settle`]: paying through escrow,
//! appending the receipt and recording the outcome. Each CPI is signed by the narrowest PDA: the plan PDA redeems its own
//! grants; the runner authority writes receipts and reputation.
use agent_registry::instructions::RecordOutcomeArgs;
use anchor_lang::prelude::*;
use escrow::instructions::RedeemArgs;
use market::state::{Award, Rfp, RfpStatus};
use receipts::Receipt;

use crate::{
    constants::{AUTHORITY_SEED, PLAN_SEED},
    error::RunnerError,
    instructions::accounts::{AwardedStep, ReceiptAccounts, ReputationAccounts, StepPayment},
    state::{Plan, PlanStep},
};

/// The award of step `index`, after checking the plan's inputs are approved, the RFP is the
/// market PDA of (planner, plan, step), is awarded to the signing vendor with the given agent,
/// is still within its execution deadline and requires the step's capability, and the agent is
/// Active, on its current version and certified now at the RFP's stage for its capability.
pub fn authorize(accounts: &AwardedStep, index: u8, step: &PlanStep, now: i64) -> Result<Award> {
    let (plan, rfp) = (&accounts.plan, &accounts.rfp);
    plan.require_approved()?;
    require_step_rfp(plan, rfp, index)?;
    let award = award_of(rfp)?;
    require!(
        award.vendor == accounts.vendor.key() && award.agent == accounts.agent.key(),
        RunnerError::NotAwardedVendor
    );
    require!(
        now < rfp.execution_deadline,
        RunnerError::StepDeadlinePassed
    );
    require!(
        rfp.capability & step.capability == step.capability,
        RunnerError::CapabilityMismatch
    );
    require_advertised_guards(rfp, step)?;
    agent_registry::require_certified(
        &accounts.agent.key(),
        &accounts.agent,
        &accounts.agent_version,
        rfp.capability,
        rfp.min_stage,
        now,
    )?;
    Ok(award)
}

/// The RFP's award (what [`authorize`] checks the signing vendor against).
pub fn award_of(rfp: &Rfp) -> Result<Award> {
    match rfp.status {
        RfpStatus::Awarded(award) => Ok(award),
        _ => err!(RunnerError::RfpNotAwarded),
    }
}

/// The RFP advertised exactly the guards the step enforces: what the vendor bid on is what the
/// runner checks.
pub fn require_advertised_guards(rfp: &Rfp, step: &PlanStep) -> Result<()> {
    let (advertised, enforced) = (&rfp.guards, &step.guards);
    require!(
        advertised.max_slippage_bps == enforced.max_slippage_bps
            && advertised.oracle_max_age_secs == enforced.oracle_max_age_secs
            && advertised.fee_cap_bps == enforced.fee_cap_bps,
        RunnerError::RfpGuardsMismatch
    );
    Ok(())
}

/// `rfp` is the market PDA of (the plan's planner, the plan, step `index`) and names them.
pub fn require_step_rfp(plan: &Account<Plan>, rfp: &Account<Rfp>, index: u8) -> Result<()> {
    let plan_key = plan.key();
    let expected = Pubkey::create_program_address(
        &[
            Rfp::SEED,
            plan.planner.as_ref(),
            plan_key.as_ref(),
            &u16::from(index).to_le_bytes(),
            &[rfp.bump],
        ],
        &market::ID,
    )
    .map_err(|_| RunnerError::RfpMismatch)?;
    require!(
        expected == rfp.key() && rfp.plan == plan_key && rfp.step == u16::from(index),
        RunnerError::RfpMismatch
    );
    Ok(())
}

/// The grant pays this plan step, from the owner's budget, in the RFP's mint (the award's
/// price is in its atoms), to the awarded vendor's payout account.
pub fn check_grant(
    payment: &StepPayment,
    step: &AwardedStep,
    index: u8,
    award: &Award,
) -> Result<()> {
    let (grant, budget) = (&payment.grant, &payment.budget);
    let bound = grant.plan == step.plan.key()
        && grant.step == u16::from(index)
        && grant.budget == budget.key()
        && budget.payer == step.plan.owner
        && budget.mint == step.rfp.mint
        && grant.vendor == payment.vendor_token.key()
        && payment.vendor_token.owner == award.payout;
    require!(bound, RunnerError::GrantMismatch);
    Ok(())
}

/// Everything a paid step's settlement needs, borrowed from its instruction's accounts.
pub struct Settlement<'a, 'info> {
    pub step: &'a AwardedStep<'info>,
    pub payment: &'a StepPayment<'info>,
    pub receipts: &'a ReceiptAccounts<'info>,
    pub reputation: &'a ReputationAccounts<'info>,
    /// The runner authority PDA and its bump.
    pub authority: AccountInfo<'info>,
    pub authority_bump: u8,
}

impl Settlement<'_, '_> {
    /// Pays `price` through the grant (signed by the plan PDA), appends `receipt` and records
    /// the agent's success for `capability`, worth `value_micro_usd`, with
    /// `realized_slippage_bps` (signed by the runner authority). Returns the receipt's leaf.
    pub fn settle(&self, receipt: Receipt, price: u64, outcome: Outcome) -> Result<[u8; 32]> {
        let leaf = receipt.leaf();
        pay(self.payment, &self.step.plan, price, leaf)?;
        append(self, receipt)?;
        record_outcome(
            self.reputation,
            &self.authority,
            self.authority_bump,
            &self.step.agent.to_account_info(),
            &self.step.vendor.to_account_info(),
            RecordOutcomeArgs {
                receipt_leaf: leaf,
                ..outcome.args(self.step.plan.owner)
            },
        )?;
        Ok(leaf)
    }
}

/// What an execution adds to the agent's reputation.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub success: bool,
    /// The step's capability (its lowest bit is the one credited).
    pub capability: u64,
    /// Micro-USD: a swap's notional; a service step's fee in budget-mint atoms (a USD
    /// stablecoin in every deployment).
    pub value_micro_usd: u64,
    pub realized_slippage_bps: u16,
}

impl Outcome {
    fn args(self, payer: Pubkey) -> RecordOutcomeArgs {
        RecordOutcomeArgs {
            success: self.success,
            realized_slippage_bps: self.realized_slippage_bps,
            receipt_leaf: [0; 32],
            capability: self.capability & self.capability.wrapping_neg(),
            payer,
            value_micro_usd: self.value_micro_usd,
        }
    }
}

/// Pays `amount` from the grant to the vendor, signed by the plan PDA (the grant's redeemer).
fn pay<'info>(
    payment: &StepPayment<'info>,
    plan: &Account<'info, Plan>,
    amount: u64,
    receipt_leaf: [u8; 32],
) -> Result<()> {
    let plan_id = plan.plan_id.to_le_bytes();
    let seeds: &[&[u8]] = &[PLAN_SEED, plan.owner.as_ref(), &plan_id, &[plan.bump]];
    let accounts = escrow::cpi::accounts::Redeem {
        funds: escrow::cpi::accounts::BudgetVault {
            budget: payment.budget.to_account_info(),
            vault: payment.budget_vault.to_account_info(),
            mint: payment.fee_mint.to_account_info(),
            token_program: payment.fee_token_program.to_account_info(),
        },
        grant: payment.grant.to_account_info(),
        vendor_token: payment.vendor_token.to_account_info(),
        redeemer: plan.to_account_info(),
        event_authority: payment.escrow_event_authority.to_account_info(),
        program: payment.escrow_program.to_account_info(),
    };
    escrow::cpi::redeem(
        CpiContext::new_with_signer(payment.escrow_program.key(), accounts, &[seeds]),
        RedeemArgs {
            amount,
            receipt_hash: receipt_leaf,
        },
    )
}

/// Appends the receipt to the plan's shard, the runner authority signing as writer and the
/// vendor paying the leaf's deposit toward the shard's next tree.
fn append(settlement: &Settlement, receipt: Receipt) -> Result<()> {
    append_receipt(
        settlement.receipts,
        settlement.authority.clone(),
        settlement.authority_bump,
        settlement.step.vendor.to_account_info(),
        settlement.reputation.system_program.to_account_info(),
        receipt,
    )
}

/// Appends `receipt` through `receipts`, the runner authority (`authority`, bump
/// `authority_bump`) signing as writer and `rent_payer` paying the leaf's deposit.
pub fn append_receipt<'info>(
    receipts: &ReceiptAccounts<'info>,
    authority: AccountInfo<'info>,
    authority_bump: u8,
    rent_payer: AccountInfo<'info>,
    system_program: AccountInfo<'info>,
    receipt: Receipt,
) -> Result<()> {
    let seeds: &[&[u8]] = &[AUTHORITY_SEED, &[authority_bump]];
    let accounts = receipts::cpi::accounts::AppendReceipt {
        config: receipts.receipts_config.to_account_info(),
        receipt_tree: receipts.receipt_tree.to_account_info(),
        tree: receipts.tree.to_account_info(),
        shard: receipts.shard.to_account_info(),
        tree_authority: receipts.tree_authority.to_account_info(),
        writer: authority,
        rent_payer,
        noop: receipts.noop.to_account_info(),
        compression_program: receipts.compression_program.to_account_info(),
        system_program,
        event_authority: receipts.receipts_event_authority.to_account_info(),
        program: receipts.receipts_program.to_account_info(),
    };
    receipts::cpi::append_receipt(
        CpiContext::new_with_signer(receipts.receipts_program.key(), accounts, &[seeds]),
        receipt,
    )
}

/// Adds one outcome to the agent's registry reputation, signed by the runner authority;
/// `rent_payer` pays for a new payer record.
pub fn record_outcome<'info>(
    reputation: &ReputationAccounts<'info>,
    authority: &AccountInfo<'info>,
    authority_bump: u8,
    agent: &AccountInfo<'info>,
    rent_payer: &AccountInfo<'info>,
    args: RecordOutcomeArgs,
) -> Result<()> {
    let seeds: &[&[u8]] = &[AUTHORITY_SEED, &[authority_bump]];
    let accounts = agent_registry::cpi::accounts::RecordOutcome {
        config: reputation.registry_config.to_account_info(),
        agent: agent.clone(),
        payer_record: reputation.payer_record.to_account_info(),
        recorder: authority.clone(),
        rent_payer: rent_payer.clone(),
        system_program: reputation.system_program.to_account_info(),
        event_authority: reputation.registry_event_authority.to_account_info(),
        program: reputation.registry_program.to_account_info(),
    };
    agent_registry::cpi::record_outcome(
        CpiContext::new_with_signer(reputation.registry_program.key(), accounts, &[seeds]),
        args,
    )
}
