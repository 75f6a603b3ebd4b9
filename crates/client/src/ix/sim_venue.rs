//! `sim_venue` instruction builders.
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, system_program};
use sim_venue::{accounts as acc, instruction as data, instructions::*};

use super::build;
use crate::pda;

fn event_authority() -> Pubkey {
    pda::event_authority(&sim_venue::ID).0
}

/// A pool's addresses, from its pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolRef {
    pub pool: Pubkey,
    pub mint_a: Pubkey,
    pub mint_b: Pubkey,
    pub vault_a: Pubkey,
    pub vault_b: Pubkey,
    pub lp_mint: Pubkey,
}

impl PoolRef {
    /// The pool of (`x`, `y`) in either order.
    pub fn new(x: &Pubkey, y: &Pubkey) -> Self {
        let (mint_a, mint_b) = if x < y { (*x, *y) } else { (*y, *x) };
        let pool = pda::pool(&mint_a, &mint_b).0;
        Self {
            pool,
            mint_a,
            mint_b,
            vault_a: pda::pool_vault(&pool, &mint_a).0,
            vault_b: pda::pool_vault(&pool, &mint_b).0,
            lp_mint: pda::lp_mint(&pool).0,
        }
    }

    /// The pool's vault holding `mint`.
    pub fn vault(&self, mint: &Pubkey) -> Pubkey {
        if *mint == self.mint_a {
            self.vault_a
        } else {
            self.vault_b
        }
    }
}

/// `create_pool` (anyone; `payer` pays rent).
pub fn create_pool(pool: &PoolRef, payer: &Pubkey, fee_bps: u16) -> Instruction {
    build(
        sim_venue::ID,
        acc::CreatePool {
            pool: pool.pool,
            mint_a: pool.mint_a,
            mint_b: pool.mint_b,
            vault_a: pool.vault_a,
            vault_b: pool.vault_b,
            lp_mint: pool.lp_mint,
            payer: *payer,
            token_program: anchor_spl::token::ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: sim_venue::ID,
        },
        data::CreatePool {
            args: CreatePoolArgs { fee_bps },
        },
    )
}

/// The provider's three token accounts (mint_a, mint_b, LP).
#[derive(Clone, Copy, Debug)]
pub struct ProviderAccounts {
    pub owner: Pubkey,
    pub a: Pubkey,
    pub b: Pubkey,
    pub lp: Pubkey,
}

fn liquidity_accounts(pool: &PoolRef, provider: &ProviderAccounts) -> acc::Liquidity {
    acc::Liquidity {
        pool: pool.pool,
        vault_a: pool.vault_a,
        vault_b: pool.vault_b,
        lp_mint: pool.lp_mint,
        owner_a: provider.a,
        owner_b: provider.b,
        owner_lp: provider.lp,
        owner: provider.owner,
        token_program: anchor_spl::token::ID,
        event_authority: event_authority(),
        program: sim_venue::ID,
    }
}

/// `add_liquidity` (the provider signs).
pub fn add_liquidity(
    pool: &PoolRef,
    provider: &ProviderAccounts,
    args: AddLiquidityArgs,
) -> Instruction {
    build(
        sim_venue::ID,
        liquidity_accounts(pool, provider),
        data::AddLiquidity { args },
    )
}

/// `remove_liquidity` (the provider signs).
pub fn remove_liquidity(
    pool: &PoolRef,
    provider: &ProviderAccounts,
    args: RemoveLiquidityArgs,
) -> Instruction {
    build(
        sim_venue::ID,
        liquidity_accounts(pool, provider),
        data::RemoveLiquidity { args },
    )
}

/// `swap` selling `mint_in` from `user_in` into `user_out`; `authority` is the owner or the
/// delegate of `user_in`.
pub fn swap(
    pool: &PoolRef,
    mint_in: &Pubkey,
    user_in: &Pubkey,
    user_out: &Pubkey,
    authority: &Pubkey,
    args: SwapArgs,
) -> Instruction {
    let mint_out = if *mint_in == pool.mint_a {
        pool.mint_b
    } else {
        pool.mint_a
    };
    build(
        sim_venue::ID,
        acc::Swap {
            pool: pool.pool,
            vault_in: pool.vault(mint_in),
            vault_out: pool.vault(&mint_out),
            user_in: *user_in,
            user_out: *user_out,
            authority: *authority,
            token_program: anchor_spl::token::ID,
            event_authority: event_authority(),
            program: sim_venue::ID,
        },
        data::Swap { args },
    )
}

/// The accounts of a single-sided `zap_in` / `zap_out` on the side of `mint`: `source` gives
/// (the side's mint, or LP tokens), `destination` receives, `authority` owns `source`.
fn zap_accounts(
    pool: &PoolRef,
    mint: &Pubkey,
    source: &Pubkey,
    destination: &Pubkey,
    authority: &Pubkey,
) -> acc::Zap {
    let other = if *mint == pool.mint_a {
        pool.mint_b
    } else {
        pool.mint_a
    };
    acc::Zap {
        pool: pool.pool,
        vault_side: pool.vault(mint),
        vault_other: pool.vault(&other),
        lp_mint: pool.lp_mint,
        source: *source,
        destination: *destination,
        authority: *authority,
        token_program: anchor_spl::token::ID,
        event_authority: event_authority(),
        program: sim_venue::ID,
    }
}

/// `zap_in`: `args.amount` of `mint` from `source` (owned by `authority`) for LP tokens into
/// `destination`.
pub fn zap_in(
    pool: &PoolRef,
    mint: &Pubkey,
    source: &Pubkey,
    destination: &Pubkey,
    authority: &Pubkey,
    args: ZapInArgs,
) -> Instruction {
    build(
        sim_venue::ID,
        zap_accounts(pool, mint, source, destination, authority),
        data::ZapIn { args },
    )
}

/// `zap_out`: `args.lp` LP tokens from `source` (owned by `authority`) for `mint` into
/// `destination`.
pub fn zap_out(
    pool: &PoolRef,
    mint: &Pubkey,
    source: &Pubkey,
    destination: &Pubkey,
    authority: &Pubkey,
    args: ZapOutArgs,
) -> Instruction {
    build(
        sim_venue::ID,
        zap_accounts(pool, mint, source, destination, authority),
        data::ZapOut { args },
    )
}
