//! Settlement events, emitted through `emit_cpi!` (keepers and x402 vendors depend on them; logs
//! can be truncated and other programs cannot forge a self-CPI). Amounts are token atoms; every
//! event carries the budget's `seq`, the slot and unix seconds.
use anchor_lang::prelude::*;

#[event]
pub struct BudgetOpened {
    pub budget: Pubkey,
    pub payer: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    /// Atoms deposited at opening.
    pub deposited: u64,
    /// Unix seconds.
    pub expires_at: i64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct BudgetToppedUp {
    pub budget: Pubkey,
    /// Atoms added.
    pub amount: u64,
    pub deposited_before: u64,
    pub deposited_after: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct SessionKeySet {
    pub budget: Pubkey,
    pub old_session_key: Option<Pubkey>,
    pub new_session_key: Option<Pubkey>,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct GrantIssued {
    pub budget: Pubkey,
    pub grant: Pubkey,
    pub index: u32,
    pub vendor: Pubkey,
    pub redeemer: Pubkey,
    pub plan: Pubkey,
    pub step: u16,
    /// Atoms.
    pub max_amount: u64,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub expires_at: i64,
    pub reserved_before: u64,
    pub reserved_after: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct GrantRevoked {
    pub budget: Pubkey,
    pub grant: Pubkey,
    /// Atoms released back to available.
    pub released: u64,
    pub reserved_before: u64,
    pub reserved_after: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct GrantRedeemed {
    pub budget: Pubkey,
    pub grant: Pubkey,
    pub vendor: Pubkey,
    /// The signer: the vendor's key or a program PDA (runner plan).
    pub redeemer: Pubkey,
    /// Atoms paid.
    pub amount: u64,
    pub grant_redeemed_before: u64,
    pub grant_redeemed_after: u64,
    pub budget_redeemed_before: u64,
    pub budget_redeemed_after: u64,
    pub receipt_hash: [u8; 32],
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct VoucherSettled {
    pub budget: Pubkey,
    pub grant: Pubkey,
    pub vendor: Pubkey,
    /// The voucher's cumulative total, atoms.
    pub cumulative: u64,
    /// Atoms paid by this settlement (cumulative - previously settled).
    pub amount: u64,
    pub grant_redeemed_before: u64,
    pub grant_redeemed_after: u64,
    /// The 32-byte message the session key signed.
    pub voucher_message: [u8; 32],
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct BudgetRefunded {
    pub budget: Pubkey,
    pub payer: Pubkey,
    /// Atoms returned.
    pub amount: u64,
    /// True for the post-expiry sweep (permissionless).
    pub sweep: bool,
    pub refunded_before: u64,
    pub refunded_after: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct GrantClosed {
    pub budget: Pubkey,
    pub grant: Pubkey,
    /// Atoms released from the reservation.
    pub released: u64,
    /// Lamports returned to the payer.
    pub rent_returned: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}

#[event]
pub struct BudgetClosed {
    pub budget: Pubkey,
    pub payer: Pubkey,
    /// Final totals, atoms.
    pub deposited: u64,
    pub redeemed: u64,
    pub refunded: u64,
    /// Atoms in the vault nobody deposited (donations), swept to the payer.
    pub surplus_swept: u64,
    pub seq: u64,
    pub slot: u64,
    /// Unix seconds.
    pub unix_ts: i64,
}
