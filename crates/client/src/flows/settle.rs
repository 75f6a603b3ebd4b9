//! The plan close-out, the mirror of the approval: cancel the plan if it can still execute,
//! revoke and close every grant, refund what the budget did not pay, close the budget and the
//! plan. Every rent and every unused atom goes back to the owner; it works at any stage (a
//! stuck plan, an unapproved one, a finished one, one whose budget expired) and is idempotent:
//! what a previous close-out already did is not repeated.
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use escrow::state::GrantStatus;
use runner::state::PlanStatus;
use solana_message::AddressLookupTableAccount;

use crate::{
    ix, pda,
    send::{transaction_size, PACKET_DATA_SIZE},
    ClientError, ClientResult,
};

use super::PlanView;

/// What the close-out of one plan does, from a [`PlanView`].
#[derive(Clone, Debug)]
pub struct Settlement {
    /// The plan owner: the only signer.
    pub owner: Pubkey,
    pub plan: Pubkey,
    /// The plan is active and unfinished: `cancel_plan` first.
    pub cancels: bool,
    /// Grants revoked (still able to pay) and grants closed.
    pub revokes: Vec<Pubkey>,
    pub closes: Vec<Pubkey>,
    /// Atoms refunded to the owner's fee account (the whole vault once the budget expired).
    pub refund: u64,
    /// The budget is closed.
    pub closes_budget: bool,
    instructions: Vec<Instruction>,
}

/// How far a close-out goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Stop the plan now: `cancel_plan` and revoke every grant that could still pay; the
    /// accounts stay for inspection and the budget stays refundable.
    Cancel,
    /// Everything: cancel, revoke, close the grants, refund, close the budget and the plan.
    CloseOut,
}

impl Settlement {
    /// The full close-out of `view`'s plan.
    pub fn of(view: &PlanView) -> ClientResult<Self> {
        Self::with_scope(view, Scope::CloseOut)
    }

    /// The close-out of `view`'s plan, as far as `scope`. Refunds go to the owner's associated
    /// account of the budget's own mint and token program.
    pub fn with_scope(view: &PlanView, scope: Scope) -> ClientResult<Self> {
        let owner = view.plan.owner;
        let now = view.now();
        let close_out = scope == Scope::CloseOut;
        let cancels = view.plan.status == PlanStatus::Active && !view.plan.is_finished();
        let mut instructions = Vec::new();
        // The plan as `close_plan` will see it: cancelling releases its allowance first.
        let mut closing = view.plan.clone();
        if cancels {
            instructions.push(ix::runner::cancel_plan(&view.key, &view.plan));
            closing.status = PlanStatus::Cancelled { at: now };
            closing.custody = runner::state::Custody::Released { at: now };
        }
        let (mut revokes, mut closes, mut refund) = (Vec::new(), Vec::new(), 0);
        if let Some(b) = &view.budget {
            let owner_fee = pda::ata(&owner, &b.budget.mint, &b.budget.token_program);
            let unsettled = !b.budget.is_settled();
            if close_out && unsettled {
                refund = b
                    .budget
                    .balance()
                    .map_err(|e| ClientError::Build(e.to_string()))?;
            }
            // An expired budget is swept and settled first; a settled budget's grants close.
            let sweep = close_out && unsettled && b.budget.is_expired(now);
            if sweep {
                instructions.push(ix::escrow::refund(
                    &b.budget_ref,
                    &owner_fee,
                    &owner,
                    refund,
                ));
            }
            for (key, grant) in &b.grants {
                let can_pay = grant.status == GrantStatus::Active
                    && grant.redeemed < grant.max_amount
                    && now < grant.expires_at
                    && unsettled
                    && !sweep;
                if can_pay {
                    instructions.push(ix::escrow::revoke_grant(&b.budget_ref.budget, key, &owner));
                    revokes.push(*key);
                }
                if close_out {
                    instructions.push(ix::escrow::close_grant(&b.budget_ref.budget, key, &owner));
                    closes.push(*key);
                }
            }
            if close_out {
                if unsettled && !sweep && refund > 0 {
                    let ix = ix::escrow::refund(&b.budget_ref, &owner_fee, &owner, refund);
                    instructions.push(ix);
                }
                instructions.push(ix::escrow::close_budget(&b.budget_ref, &owner, &owner));
            }
        }
        if close_out {
            instructions.push(ix::runner::close_plan(&view.key, &closing));
        }
        Ok(Self {
            owner,
            plan: view.key,
            cancels,
            revokes,
            closes,
            refund,
            closes_budget: close_out && view.budget.is_some(),
            instructions,
        })
    }

    /// Nothing to do (a cancellation of a plan already cancelled with no grant able to pay).
    pub fn is_empty(&self) -> bool {
        self.instructions.is_empty()
    }

    /// Every instruction, in order.
    pub fn instructions(&self) -> &[Instruction] {
        &self.instructions
    }

    /// The close-out as the transactions the owner signs, in order: as many instructions per
    /// transaction as fit 1,232 bytes. Any prefix that lands leaves a consistent state (a
    /// cancelled plan, revoked grants, a refundable budget), and a later close-out finishes it.
    pub fn transactions(
        &self,
        tables: &[AddressLookupTableAccount],
    ) -> ClientResult<Vec<Vec<Instruction>>> {
        let mut transactions: Vec<Vec<Instruction>> = Vec::new();
        let mut current: Vec<Instruction> = Vec::new();
        for ix in &self.instructions {
            current.push(ix.clone());
            if transaction_size(&self.owner, &current, tables)? > PACKET_DATA_SIZE {
                let last = current.pop().expect("just pushed");
                if current.is_empty() {
                    return Err(ClientError::Build(
                        "a close-out instruction does not fit a transaction".into(),
                    ));
                }
                transactions.push(std::mem::take(&mut current));
                current.push(last);
            }
        }
        if !current.is_empty() {
            transactions.push(current);
        }
        Ok(transactions)
    }
}
