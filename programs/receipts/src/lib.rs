//! # receipts
//!
//! Every executed step leaves a receipt that anyone can prove, years later, without trusting
//! AgentRunner.
//!
//! **Lifecycle.** The upgrade authority calls `init_config` (writer PDAs, shard count, period
//! length) and `create_tree` per shard: an mpl-account-compression concurrent Merkle tree whose
//! only authority is the PDA `["tree_authority", tree]`. Authorized writers (the runner's PDA,
//! signing by CPI inside a paid, guarded step) call `append_receipt`: the leaf
//! `keccak256(version || "agentrunner/receipt/leaf" || borsh(receipt))` (see [`receipt`]) is
//! appended to the plan's shard, the change log goes through mpl-noop, and `ReceiptAppended`
//! carries the whole receipt. After each period anyone may `anchor_period`, freezing {root,
//! first leaf, leaf count, slot, time} into a PeriodRoot that is never overwritten. Anyone may
//! `verify_receipt` against a PeriodRoot (our own keccak proof check, SPL hashing) or
//! `verify_receipt_live` against the live tree (CPI `verify_leaf`).
//!
//! **Sharding.** `shard = u16_le(plan[0..2]) % shard_count`: a plan's receipts share one tree,
//! and plans spread evenly, so appends of different plans rarely lock the same tree.
//!
//! **Authorities.** admin: config and trees. writers: appends. Anyone: anchoring, verifying.
#![deny(arithmetic_overflow, unused_must_use)]
#![allow(clippy::result_large_err)]

pub mod compression;
pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod merkle;
pub mod receipt;
pub mod state;

use anchor_lang::prelude::*;
use instructions::*;
pub use receipt::Receipt;

declare_id!("2ySKuLCnAkvAwiyfkMoe31s9cpzg4zqqosD5Y55751cE");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "AgentRunner receipts",
    project_url: "https://github.com/agentrunner/agentrunner",
    contacts: "email:security@agentrunner.dev",
    policy: "https://github.com/agentrunner/agentrunner/blob/main/SECURITY.md",
    source_code: "https://github.com/agentrunner/agentrunner",
    source_revision: default_env::default_env!("GITHUB_SHA", ""),
    auditors: "None"
}

#[program]
pub mod receipts {
    use super::*;

    /// Creates the config; the signer must be the program's upgrade authority.
    pub fn init_config(ctx: Context<InitConfig>, args: InitConfigArgs) -> Result<()> {
        instructions::init_config::handler(ctx, args)
    }

    /// Replaces the writer set (admin).
    pub fn set_writers(ctx: Context<SetWriters>, args: SetWritersArgs) -> Result<()> {
        instructions::set_writers::handler(ctx, args)
    }

    /// Initializes one shard's tree with the tree-authority PDA (admin).
    pub fn create_tree(ctx: Context<CreateTree>, args: CreateTreeArgs) -> Result<()> {
        instructions::create_tree::handler(ctx, args)
    }

    /// Appends a receipt to its plan's shard (authorized writer PDA).
    pub fn append_receipt(ctx: Context<AppendReceipt>, receipt: Receipt) -> Result<()> {
        instructions::append_receipt::handler(ctx, receipt)
    }

    /// Freezes a finished period's root into a new PeriodRoot (anyone).
    pub fn anchor_period(ctx: Context<AnchorPeriod>) -> Result<()> {
        instructions::anchor_period::handler(ctx)
    }

    /// Proves a receipt or leaf against a PeriodRoot (anyone).
    pub fn verify_receipt(ctx: Context<VerifyReceipt>, args: VerifyReceiptArgs) -> Result<()> {
        instructions::verify_receipt::handler(ctx, args)
    }

    /// Proves a receipt or leaf against the live tree via mpl-account-compression (anyone).
    pub fn verify_receipt_live<'info>(
        ctx: Context<'info, VerifyReceiptLive<'info>>,
        args: VerifyReceiptLiveArgs,
    ) -> Result<()> {
        instructions::verify_receipt_live::handler(ctx, args)
    }

    /// Opens a shard's next tree generation once its newest tree is half full (anyone).
    pub fn provision_tree(ctx: Context<ProvisionTree>) -> Result<()> {
        instructions::provision_tree::handler(ctx)
    }
}
