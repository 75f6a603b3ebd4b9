//! The approval transaction: with ONE signature the plan owner opens the fee budget, issues one
//! grant per awarded step (redeemable only by the plan PDA, for exactly that step and vendor
//! account) and approves the trade amounts to the plan's delegate. Capital stays in the owner's
//! own token accounts until a guarded step moves it.
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use escrow::instructions::{IssueGrantArgs, OpenBudgetArgs};
use market::state::Award;

use super::escrow::{issue_grant, open_budget, BudgetRef};
use crate::pda;

/// One awarded step's grant.
#[derive(Clone, Copy, Debug)]
pub struct StepGrant {
    pub step: u8,
    /// The award this grant pays (vendor payout, price, offer).
    pub award: Award,
    /// The vendor's payout token account for the budget's mint (owned by `award.payout`).
    pub vendor_token: Pubkey,
    /// Executions the grant pays for (`repeat` of the step).
    pub executions: u16,
}

impl StepGrant {
    /// Most the grant can pay: the awarded price for every execution.
    pub fn max_amount(&self) -> u64 {
        self.award.price.saturating_mul(u64::from(self.executions))
    }
}

/// An SPL allowance for the plan's delegate on one of the owner's token accounts.
#[derive(Clone, Copy, Debug)]
pub struct Allowance {
    /// The owner's token account (SPL Token).
    pub account: Pubkey,
    pub mint: Pubkey,
    pub decimals: u8,
    /// Atoms the delegate may move (replaces any earlier approval of this account).
    pub amount: u64,
}

/// Everything the approval transaction does.
#[derive(Clone, Debug)]
pub struct Approval {
    /// The plan owner: the only signer.
    pub owner: Pubkey,
    pub plan: Pubkey,
    /// The fee mint and its token program; the budget id is the plan key.
    pub fee_mint: Pubkey,
    pub fee_token_program: Pubkey,
    /// The owner's token account the deposit comes from (and refunds go back to).
    pub owner_fee_token: Pubkey,
    /// Atoms deposited; at least the sum of the grants.
    pub deposit: u64,
    /// Grants are valid in `[not_before, expires_at)`; the budget expires at `expires_at`.
    pub not_before: i64,
    pub expires_at: i64,
    pub grants: Vec<StepGrant>,
    pub allowances: Vec<Allowance>,
}

impl Approval {
    /// The budget this approval opens.
    pub fn budget(&self) -> BudgetRef {
        BudgetRef::new(
            &self.owner,
            &self.plan.to_bytes(),
            self.fee_mint,
            self.fee_token_program,
        )
    }

    /// The grant address of `grants[i]` (consecutive indices from 0 in a fresh budget).
    pub fn grant_address(&self, i: usize) -> Pubkey {
        pda::grant(&self.budget().budget, i as u32).0
    }

    /// The instructions, in order, for one transaction signed by the owner.
    ///
    /// # Errors
    /// An allowance the SPL Token builder rejects (never for well-formed keys).
    pub fn instructions(&self) -> Result<Vec<Instruction>, crate::ClientError> {
        let budget = self.budget();
        let mut ixs = vec![open_budget(
            &budget,
            &self.owner,
            &self.owner_fee_token,
            OpenBudgetArgs {
                id: self.plan.to_bytes(),
                amount: self.deposit,
                expires_at: self.expires_at,
            },
        )];
        let redeemer = self.plan;
        for (i, grant) in self.grants.iter().enumerate() {
            ixs.push(issue_grant(
                &budget.budget,
                &self.owner,
                i as u32,
                &grant.vendor_token,
                IssueGrantArgs {
                    redeemer,
                    plan: self.plan,
                    step: u16::from(grant.step),
                    offer_hash: offer_hash(&grant.award),
                    max_amount: grant.max_amount(),
                    not_before: self.not_before,
                    expires_at: self.expires_at,
                },
            ));
        }
        let delegate = pda::plan_delegate(&self.plan).0;
        for allowance in &self.allowances {
            ixs.push(
                spl_token_interface::instruction::approve_checked(
                    &spl_token_interface::ID,
                    &allowance.account,
                    &allowance.mint,
                    &delegate,
                    &self.owner,
                    &[],
                    allowance.amount,
                    allowance.decimals,
                )
                .map_err(|e| crate::ClientError::Build(e.to_string()))?,
            );
        }
        Ok(ixs)
    }
}

/// The hash a grant records of the offer it pays: sha256 of the Borsh-encoded award.
pub fn offer_hash(award: &Award) -> [u8; 32] {
    let bytes = anchor_lang::prelude::borsh::to_vec(award).unwrap_or_default();
    solana_sha256_hasher::hash(&bytes).to_bytes()
}
