//! The approval: with ONE wallet approval the plan owner opens the fee budget, issues one grant
//! per awarded step (redeemable only by the plan PDA, for exactly that step and vendor account),
//! creates any missing output accounts and calls `approve_plan`, which adds the plan's remaining
//! inputs to the owner's single delegation. It is one transaction for every plan that fits
//! 1,232 bytes and two signed together for the largest ones ([`Approval::transactions`]).
//! Capital stays in the owner's own token accounts until a guarded step moves exactly one
//! step's input.
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use escrow::instructions::{GrantSpec, IssueGrantsArgs, OpenBudgetArgs};
use market::state::Award;
use runner::state::{Plan, StepKind};
use solana_message::AddressLookupTableAccount;

use super::{
    escrow::{issue_grants, open_budget, BudgetRef},
    runner::{approve_plan, input_mints},
};
use crate::{
    pda,
    send::{transaction_size, PACKET_DATA_SIZE},
    ClientError, ClientResult,
};

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

/// The mints a plan sells and buys, as the approval needs them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanMints {
    /// Mints some step sells, in policy order (`approve_plan` covers each).
    pub inputs: Vec<Pubkey>,
    /// Mints some step buys, in policy order (the owner's accounts are created if missing).
    pub outputs: Vec<Pubkey>,
}

impl PlanMints {
    pub fn of(plan: &Plan) -> Self {
        let outputs = plan
            .mints
            .iter()
            .map(|m| m.mint)
            .filter(|mint| {
                plan.steps
                    .iter()
                    .any(|s| s.kind != StepKind::Service && s.mint_out == *mint)
            })
            .collect();
        Self {
            inputs: input_mints(plan),
            outputs,
        }
    }
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
    pub mints: PlanMints,
    /// Index of the budget's first grant: the owner's next grant base
    /// (`accounts::next_grant_base`), so grant addresses are never reused.
    pub first_grant: u32,
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

    /// The grant address of `grants[i]` (consecutive indices from `first_grant`).
    pub fn grant_address(&self, i: usize) -> Pubkey {
        pda::grant(&self.budget().budget, self.first_grant + i as u32).0
    }

    /// The approval as the transactions the owner signs together, in order, each paid by the
    /// owner: one when everything fits 1,232 bytes (every plan but the largest ones), otherwise
    /// two — the payments (budget and grants), then the custody (output accounts and
    /// `approve_plan`). Nothing can execute before `approve_plan` lands, so a first transaction
    /// landing alone leaves no capital exposed and a refundable budget.
    ///
    /// # Errors
    /// A part that does not fit one transaction even on its own.
    pub fn transactions(
        &self,
        tables: &[AddressLookupTableAccount],
    ) -> ClientResult<Vec<Vec<Instruction>>> {
        let (payments, custody) = (self.payment_instructions(), self.custody_instructions());
        let whole: Vec<Instruction> = payments.iter().chain(&custody).cloned().collect();
        if transaction_size(&self.owner, &whole, tables)? <= PACKET_DATA_SIZE {
            return Ok(vec![whole]);
        }
        for part in [&payments, &custody] {
            let size = transaction_size(&self.owner, part, tables)?;
            if size > PACKET_DATA_SIZE {
                return Err(ClientError::Build(format!(
                    "the approval does not fit two transactions: one part is {size} bytes"
                )));
            }
        }
        Ok(vec![payments, custody])
    }

    /// The fee side: the budget and one `issue_grants` for every awarded step.
    fn payment_instructions(&self) -> Vec<Instruction> {
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
        if !self.grants.is_empty() {
            let vendor_tokens: Vec<Pubkey> = self.grants.iter().map(|g| g.vendor_token).collect();
            ixs.push(issue_grants(
                &budget.budget,
                &self.owner,
                self.first_grant,
                &vendor_tokens,
                IssueGrantsArgs {
                    redeemer: self.plan,
                    plan: self.plan,
                    not_before: self.not_before,
                    expires_at: self.expires_at,
                    grants: self
                        .grants
                        .iter()
                        .map(|grant| GrantSpec {
                            step: u16::from(grant.step),
                            offer_hash: offer_hash(&grant.award),
                            max_amount: grant.max_amount(),
                        })
                        .collect(),
                },
            ));
        }
        ixs
    }

    /// The capital side: idempotent creation of the owner's output accounts, then
    /// `approve_plan`.
    fn custody_instructions(&self) -> Vec<Instruction> {
        self.mints
            .outputs
            .iter()
            .map(|mint| {
                spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                    &self.owner,
                    &self.owner,
                    mint,
                    &anchor_spl::token::ID,
                )
            })
            .chain([approve_plan(&self.plan, &self.owner, &self.mints.inputs)])
            .collect()
    }
}

/// The hash a grant records of the offer it pays: sha256 of the Borsh-encoded award.
pub fn offer_hash(award: &Award) -> [u8; 32] {
    let bytes = anchor_lang::prelude::borsh::to_vec(award).unwrap_or_default();
    solana_sha256_hasher::hash(&bytes).to_bytes()
}
