//! # escrow
//!
//! Where users' fee money sits, and how vendors get paid for it: the x402 settlement layer.
//!
//! **Lifecycle.** A payer opens a [`state::Budget`] for a plan (`open_budget`, deposit into the
//! budget's own vault), may `top_up`, and issues scoped [`state::Grant`]s (`issue_grant`): vendor
//! payout account, plan/step binding, offer hash, max amount, `[not_before, expires_at)` window,
//! and the redeemer key (the vendor itself, or a program PDA such as the runner's plan PDA so a
//! step is paid only inside its guarded execution). Issuing reserves the amount. Vendors are paid
//! by `redeem` (signed by the redeemer) or by `settle_voucher` (an Ed25519 cumulative voucher
//! signed by the budget's session key, x402 "upto"). The payer can `revoke_grant` at any time and
//! `refund` unreserved funds before expiry; from expiry on anyone can sweep the whole vault back
//! to the payer (`refund`). `close_grant` and `close_budget` return all rent to the payer.
//!
//! **Authorities.** payer: budget, grants, refunds before expiry, session key. redeemer: one
//! grant's payments. session key: vouchers up to each grant's limit, to that grant's vendor only.
//! Anyone: settle valid vouchers, sweep after expiry, close spent grants (funds and rent can only
//! reach the vendor or the payer).
//!
//! **Invariants** (checked in code after every transfer and in the randomized suite): vault >=
//! deposited - redeemed - refunded; reserved <= vault balance; per grant redeemed <= max_amount;
//! a closed grant's index is never issued again; the payer's exit needs no vendor, oracle or
//! keeper.
//!
//! **Keepers.** The anchorer sweeps expired budgets and closes spent grants; vendors' brokers
//! settle vouchers in batches.
#![deny(arithmetic_overflow, unused_must_use)]
#![allow(clippy::result_large_err)]

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod mint_policy;
pub mod state;
pub mod vault;
pub mod voucher;

use anchor_lang::prelude::*;
use instructions::*;

declare_id!("8tTwe5grwrxPi3DSmXwtSDtcDT9TaWdhtJTEq8iWaFV6");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "AgentRunner escrow",
    project_url: "https://github.com/agentrunner/agentrunner",
    contacts: "email:security@agentrunner.dev",
    policy: "https://github.com/agentrunner/agentrunner/blob/main/SECURITY.md",
    source_code: "https://github.com/agentrunner/agentrunner",
    source_revision: default_env::default_env!("GITHUB_SHA", ""),
    auditors: "None"
}

#[program]
pub mod escrow {
    use super::*;

    /// Opens a budget with a first deposit into its own vault (payer).
    pub fn open_budget(ctx: Context<OpenBudget>, args: OpenBudgetArgs) -> Result<()> {
        instructions::open_budget::handler(ctx, args)
    }

    /// Adds funds to a live budget (payer).
    pub fn top_up(ctx: Context<TopUp>, args: TopUpArgs) -> Result<()> {
        instructions::top_up::handler(ctx, args)
    }

    /// Sets or clears the voucher session key (payer).
    pub fn set_session_key(ctx: Context<SetSessionKey>, args: SetSessionKeyArgs) -> Result<()> {
        instructions::set_session_key::handler(ctx, args)
    }

    /// Issues a scoped grant and reserves its max amount (payer).
    pub fn issue_grant(ctx: Context<IssueGrant>, args: IssueGrantArgs) -> Result<()> {
        instructions::issue_grant::handler(ctx, args)
    }

    /// Revokes a grant and releases its unredeemed reservation (payer).
    pub fn revoke_grant(ctx: Context<RevokeGrant>) -> Result<()> {
        instructions::revoke_grant::handler(ctx)
    }

    /// Pays a grant's vendor (the grant's redeemer, or its program PDA by CPI).
    pub fn redeem(ctx: Context<Redeem>, args: RedeemArgs) -> Result<()> {
        instructions::redeem::handler(ctx, args)
    }

    /// Pays the increase of a session-key-signed cumulative voucher (anyone).
    pub fn settle_voucher(ctx: Context<SettleVoucher>, args: SettleVoucherArgs) -> Result<()> {
        instructions::settle_voucher::handler(ctx, args)
    }

    /// Returns unreserved funds (payer), or sweeps the vault after expiry (anyone; to the payer).
    pub fn refund(ctx: Context<Refund>, args: RefundArgs) -> Result<()> {
        instructions::refund::handler(ctx, args)
    }

    /// Closes a grant that can no longer pay; rent to the payer (anyone).
    pub fn close_grant(ctx: Context<CloseGrant>) -> Result<()> {
        instructions::close_grant::handler(ctx)
    }

    /// Closes an empty budget and its vault; rent to the payer (payer; anyone after expiry).
    pub fn close_budget(ctx: Context<CloseBudget>) -> Result<()> {
        instructions::close_budget::handler(ctx)
    }

    /// Issues several grants of one plan under shared terms, as that many `issue_grant`s would
    /// (payer).
    pub fn issue_grants<'info>(
        ctx: Context<'info, IssueGrants<'info>>,
        args: IssueGrantsArgs,
    ) -> Result<()> {
        instructions::issue_grants::handler(ctx, args)
    }
}
