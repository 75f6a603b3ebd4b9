use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{constants::*, error::EscrowError};

/// Lifecycle of a grant.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum GrantStatus {
    /// Redeemable inside its window, up to `max_amount`.
    Active,
    /// Revoked by the payer at `at` (unix seconds); never redeemable again.
    Revoked { at: i64 },
}

/// A scoped, revocable payment authorization: "vendor V may be paid up to `max_amount` of this
/// budget for step S of plan P between `not_before` and `expires_at`".
/// PDA `["grant", budget, index (u32 LE)]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Grant {
    pub budget: Pubkey,
    /// Position in the budget's grant counter (never reused).
    pub index: u32,
    /// The vendor's payout token account (holds the budget's mint); every payment goes here.
    pub vendor: Pubkey,
    /// The key that must sign `redeem`: the vendor's own key, or a program PDA (for example the
    /// runner's plan PDA, so payment happens only inside a guarded execution).
    pub redeemer: Pubkey,
    /// The plan this grant pays for (binding checked by the runner).
    pub plan: Pubkey,
    /// The step of the plan.
    pub step: u16,
    /// Hash of the offer terms the payer accepted.
    pub offer_hash: [u8; 32],
    /// Most that can ever be paid, in atoms.
    pub max_amount: u64,
    /// Paid so far, in atoms (also the last settled voucher's cumulative amount).
    pub redeemed: u64,
    /// Unix seconds; redeemable from here (inclusive).
    pub not_before: i64,
    /// Unix seconds; not redeemable from here on (exclusive end).
    pub expires_at: i64,
    /// Slot of issuance; vouchers bind it, so a voucher never pays a later grant at a reused
    /// address.
    pub issued_slot: u64,
    pub status: GrantStatus,
    /// Number of payments made.
    pub redemptions: u32,
    /// Receipt hash recorded with the last payment.
    pub last_receipt_hash: [u8; 32],
    pub bump: u8,
    /// Room for upgrades; zero.
    pub padding: [u8; 32],
}

impl Grant {
    pub const SEED: &'static [u8] = GRANT_SEED;

    pub fn remaining(&self) -> Result<u64> {
        self.max_amount.safe_sub(self.redeemed)
    }

    /// The grant may pay `amount` now: active, inside `[not_before, expires_at)`, within its limit.
    pub fn require_redeemable(&self, amount: u64, now: i64) -> Result<()> {
        require!(
            self.status == GrantStatus::Active,
            EscrowError::GrantRevoked
        );
        require!(now >= self.not_before, EscrowError::GrantNotYetValid);
        require!(now < self.expires_at, EscrowError::GrantExpired);
        require!(amount > 0, EscrowError::InvalidAmount);
        require!(amount <= self.remaining()?, EscrowError::SpendLimitExceeded);
        Ok(())
    }

    /// Records a payment of `amount` with its receipt hash.
    pub fn pay(&mut self, amount: u64, receipt_hash: [u8; 32]) -> Result<()> {
        self.redeemed = self.redeemed.safe_add(amount)?;
        self.redemptions = self.redemptions.safe_add(1)?;
        self.last_receipt_hash = receipt_hash;
        Ok(())
    }

    /// The part of the budget's reservation this grant still holds: its remaining amount while
    /// active and the budget open; nothing once revoked or after the budget's post-expiry sweep.
    pub fn reservation(&self, budget_settled: bool) -> Result<u64> {
        match self.status {
            GrantStatus::Active if !budget_settled => self.remaining(),
            _ => Ok(0),
        }
    }

    /// What closing this grant releases from the budget's reservation, or `GrantStillLive` if it
    /// can still pay (active, unexpired, with funds left, budget not settled).
    pub fn release_on_close(&self, now: i64, budget_settled: bool) -> Result<u64> {
        let live = self.status == GrantStatus::Active
            && !budget_settled
            && self.remaining()? > 0
            && now < self.expires_at;
        require!(!live, EscrowError::GrantStillLive);
        self.reservation(budget_settled)
    }

    pub fn invariant(&self) -> Result<()> {
        require!(
            self.redeemed <= self.max_amount,
            EscrowError::SpendLimitExceeded
        );
        Ok(())
    }
}
