use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{constants::*, error::EscrowError};

/// Lifecycle of a budget.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum BudgetStatus {
    /// Accepting top-ups, grants, redemptions and refunds.
    Open,
    /// Expired and swept back to the payer at `at` (unix seconds); only closing remains.
    Settled { at: i64 },
}

/// A payer's fee budget for one plan (or any nonce), held in its own vault.
/// PDA `["budget", payer, id]`; the vault is the token account PDA `["vault", budget]` whose
/// authority is this budget.
///
/// Accounting, in token atoms: `balance = deposited - redeemed - refunded` is what the vault must
/// hold (checked against the real vault after every transfer); `reserved` is the part promised to
/// live grants; `balance - reserved` is what the payer may take back before expiry.
#[account]
#[derive(InitSpace, Debug)]
pub struct Budget {
    /// Funds the budget, issues and revokes grants, receives every refund and all rent.
    pub payer: Pubkey,
    /// The plan key or nonce this budget serves (PDA seed).
    pub id: [u8; 32],
    /// The token the budget is denominated in.
    pub mint: Pubkey,
    /// The mint's decimals (for `transfer_checked`).
    pub decimals: u8,
    /// SPL Token or Token-2022, fixed at creation so refunds never depend on later state.
    pub token_program: Pubkey,
    /// The budget's own vault token account.
    pub vault: Pubkey,
    /// Atoms that entered the vault.
    pub deposited: u64,
    /// Atoms promised to live grants (sum of their `max_amount - redeemed`).
    pub reserved: u64,
    /// Atoms paid to vendors.
    pub redeemed: u64,
    /// Atoms returned to the payer.
    pub refunded: u64,
    /// Unix seconds at creation.
    pub created_at: i64,
    /// Unix seconds from which no grant can be redeemed and anyone may sweep the vault back to
    /// the payer.
    pub expires_at: i64,
    pub status: BudgetStatus,
    /// Grants ever issued.
    pub grant_count: u32,
    /// First grant index of this budget's block (see `constants::GRANT_SEED`); grant `k` of the
    /// budget lives at index `grant_base + k`.
    pub grant_base: u32,
    /// Grants issued and not yet closed.
    pub open_grants: u32,
    /// Ed25519 key whose signed cumulative vouchers may settle grants (x402 "upto").
    pub session_key: Option<Pubkey>,
    /// Sequence number of the last event about this budget.
    pub seq: u64,
    pub bump: u8,
    pub vault_bump: u8,
    /// Room for upgrades; zero.
    pub padding: [u8; 64],
}

impl Budget {
    pub const SEED: &'static [u8] = BUDGET_SEED;

    /// The PDA index of grant `k` of this budget.
    pub fn grant_index(&self, k: u32) -> Result<u32> {
        self.grant_base.safe_add(k)
    }

    /// The PDA index the next grant takes, if the budget's block has room.
    pub fn next_grant_index(&self) -> Result<u32> {
        require!(
            self.grant_count < GRANTS_PER_BUDGET,
            EscrowError::TooManyGrants
        );
        self.grant_index(self.grant_count)
    }

    /// What the vault must hold.
    pub fn balance(&self) -> Result<u64> {
        self.deposited
            .safe_sub(self.redeemed)?
            .safe_sub(self.refunded)
    }

    /// What the payer may take back or promise to a new grant.
    pub fn available(&self) -> Result<u64> {
        self.balance()?.safe_sub(self.reserved)
    }

    pub fn is_settled(&self) -> bool {
        matches!(self.status, BudgetStatus::Settled { .. })
    }

    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }

    /// Requires the budget to be open and unexpired.
    pub fn require_live(&self, now: i64) -> Result<()> {
        require!(
            self.status == BudgetStatus::Open,
            EscrowError::BudgetSettled
        );
        require!(!self.is_expired(now), EscrowError::BudgetExpired);
        Ok(())
    }

    pub fn deposit(&mut self, amount: u64) -> Result<()> {
        self.deposited = self.deposited.safe_add(amount)?;
        Ok(())
    }

    /// Promises `amount` to a new grant.
    pub fn reserve(&mut self, amount: u64) -> Result<()> {
        require!(
            amount <= self.available()?,
            EscrowError::InsufficientAvailable
        );
        self.reserved = self.reserved.safe_add(amount)?;
        Ok(())
    }

    /// Releases a grant's unredeemed promise (revoked or closed unused).
    pub fn release(&mut self, amount: u64) -> Result<()> {
        self.reserved = self.reserved.safe_sub(amount)?;
        Ok(())
    }

    /// Pays `amount` out of a grant's reservation.
    pub fn pay(&mut self, amount: u64) -> Result<()> {
        self.reserved = self.reserved.safe_sub(amount)?;
        self.redeemed = self.redeemed.safe_add(amount)?;
        Ok(())
    }

    /// Returns unreserved funds to the payer before expiry.
    pub fn refund(&mut self, amount: u64) -> Result<()> {
        require!(amount > 0, EscrowError::InvalidAmount);
        require!(
            amount <= self.available()?,
            EscrowError::InsufficientAvailable
        );
        self.refunded = self.refunded.safe_add(amount)?;
        Ok(())
    }

    /// After expiry: every atom in the vault (`vault_amount`, which includes anything sent to it
    /// directly) goes back to the payer; reservations lapse with the grants. Returns the amount.
    pub fn sweep(&mut self, vault_amount: u64, now: i64) -> Result<u64> {
        require!(self.is_expired(now), EscrowError::BudgetNotExpired);
        require!(vault_amount > 0, EscrowError::NothingToRefund);
        self.require_vault_covers(vault_amount)?;
        let surplus = vault_amount.safe_sub(self.balance()?)?;
        self.deposited = self.deposited.safe_add(surplus)?;
        self.refunded = self.refunded.safe_add(vault_amount)?;
        self.reserved = 0;
        self.status = BudgetStatus::Settled { at: now };
        Ok(vault_amount)
    }

    /// Checks the real vault holds what the books say (INV-1; extra atoms sent directly to the
    /// vault are tolerated and swept to the payer at expiry).
    pub fn require_vault_covers(&self, vault_amount: u64) -> Result<()> {
        require!(
            vault_amount >= self.balance()?,
            EscrowError::VaultBalanceMismatch
        );
        Ok(())
    }

    pub fn next_seq(&mut self) -> Result<u64> {
        self.seq = self.seq.safe_add(1)?;
        Ok(self.seq)
    }

    pub fn invariant(&self) -> Result<()> {
        // balance() fails if redeemed + refunded > deposited; available() if reserved > balance.
        self.available()?;
        Ok(())
    }
}
