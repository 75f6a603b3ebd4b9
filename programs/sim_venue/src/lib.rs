//! # sim_venue
//!
//! A constant-product AMM used by the embedded chain, the tests and devnet demos as the stand-in
//! for Jupiter or Raydium: real SPL token accounts, real SPL transfers, exact integer math with
//! every rounding in the pool's favour ([`math`]).
//!
//! **Lifecycle.** Anyone `create_pool`s a pair (one pool per ordered mint pair) with a fee;
//! providers `add_liquidity` / `remove_liquidity` against LP tokens, or one side alone with
//! `zap_in` / `zap_out` (the pool swaps the other half at its price and fee); anyone `swap`s
//! with `min_out` protection. The swap authority may be the input account's owner or its SPL delegate,
//! which is how the runner trades a user's approved capital.
//!
//! **Supported mints.** SPL Token only.
#![deny(arithmetic_overflow, unused_must_use)]
#![allow(clippy::result_large_err)]

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod math;
pub mod state;

use anchor_lang::prelude::*;
use instructions::*;

declare_id!("GqaA9KbkUL5oncJ5HwAMrCVFuj7evNDahcupevHFes9L");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "AgentRunner sim_venue",
    project_url: "https://github.com/agentrunner/agentrunner",
    contacts: "email:security@agentrunner.dev",
    policy: "https://github.com/agentrunner/agentrunner/blob/main/SECURITY.md",
    source_code: "https://github.com/agentrunner/agentrunner",
    source_revision: default_env::default_env!("GITHUB_SHA", ""),
    auditors: "None"
}

#[program]
pub mod sim_venue {
    use super::*;

    /// Creates a pool, its vaults and its LP mint (anyone).
    pub fn create_pool(ctx: Context<CreatePool>, args: CreatePoolArgs) -> Result<()> {
        instructions::create_pool::handler(ctx, args)
    }

    /// Deposits both sides and mints LP tokens (provider).
    pub fn add_liquidity(ctx: Context<Liquidity>, args: AddLiquidityArgs) -> Result<()> {
        instructions::liquidity::add_handler(ctx, args)
    }

    /// Burns LP tokens for both sides (provider).
    pub fn remove_liquidity(ctx: Context<Liquidity>, args: RemoveLiquidityArgs) -> Result<()> {
        instructions::liquidity::remove_handler(ctx, args)
    }

    /// Swaps `amount_in` for at least `min_out` (owner or delegate of the input account).
    pub fn swap(ctx: Context<Swap>, args: SwapArgs) -> Result<()> {
        instructions::swap::handler(ctx, args)
    }

    /// Deposits one side alone and mints LP tokens (owner or delegate of the source).
    pub fn zap_in(ctx: Context<Zap>, args: ZapInArgs) -> Result<()> {
        instructions::zap::in_handler(ctx, args)
    }

    /// Burns LP tokens for one side alone (owner or delegate of the LP account).
    pub fn zap_out(ctx: Context<Zap>, args: ZapOutArgs) -> Result<()> {
        instructions::zap::out_handler(ctx, args)
    }
}
