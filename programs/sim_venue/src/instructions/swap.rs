use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::{error::VenueError, events::Swapped, math, state::Pool};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct SwapArgs {
    /// Atoms of the input mint to sell; > 0.
    pub amount_in: u64,
    /// Fewest atoms of the output mint to accept.
    pub min_out: u64,
}

/// Swaps through the pool. The input side is whichever vault matches `user_in`'s mint. The
/// `authority` is the input account's owner or its SPL delegate (the runner's plan delegate).
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: SwapArgs)]
pub struct Swap<'info> {
    #[account(seeds = [Pool::SEED, pool.mint_a.as_ref(), pool.mint_b.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's vault for the input mint.
    #[account(mut, constraint = Some(vault_in.key()) == pool.vault_for(&vault_in.mint) @ VenueError::VaultMismatch)]
    pub vault_in: Box<Account<'info, TokenAccount>>,
    /// The pool's vault for the other mint.
    #[account(
        mut,
        constraint = Some(vault_out.key()) == pool.vault_for(&vault_out.mint) @ VenueError::VaultMismatch,
        constraint = vault_out.key() != vault_in.key() @ VenueError::VaultMismatch
    )]
    pub vault_out: Box<Account<'info, TokenAccount>>,
    /// The seller's input account (mint = vault_in's mint; the token program checks authority).
    #[account(mut, token::mint = vault_in.mint)]
    pub user_in: Box<Account<'info, TokenAccount>>,
    /// Where the output goes (mint = vault_out's mint).
    #[account(mut, token::mint = vault_out.mint)]
    pub user_out: Box<Account<'info, TokenAccount>>,
    /// Owner or delegate of `user_in`.
    pub authority: Signer<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<Swap>, args: SwapArgs) -> Result<()> {
    require!(args.amount_in > 0, VenueError::InvalidAmount);
    let a = &ctx.accounts;
    let (reserve_in, reserve_out) = (a.vault_in.amount, a.vault_out.amount);
    let out = math::swap_out(args.amount_in, reserve_in, reserve_out, a.pool.fee_bps)?;
    require!(
        out > 0 && out < reserve_out,
        VenueError::InsufficientLiquidity
    );
    require!(out >= args.min_out, VenueError::SlippageExceeded);
    let accounts = Transfer {
        from: a.user_in.to_account_info(),
        to: a.vault_in.to_account_info(),
        authority: a.authority.to_account_info(),
    };
    token::transfer(
        CpiContext::new(a.token_program.key(), accounts),
        args.amount_in,
    )?;
    let pool = &a.pool;
    let seeds: &[&[u8]] = &[
        Pool::SEED,
        pool.mint_a.as_ref(),
        pool.mint_b.as_ref(),
        &[pool.bump],
    ];
    let accounts = Transfer {
        from: a.vault_out.to_account_info(),
        to: a.user_out.to_account_info(),
        authority: pool.to_account_info(),
    };
    token::transfer(
        CpiContext::new_with_signer(a.token_program.key(), accounts, &[seeds]),
        out,
    )?;
    let clock = Clock::get()?;
    emit_cpi!(Swapped {
        pool: pool.key(),
        mint_in: a.vault_in.mint,
        amount_in: args.amount_in,
        amount_out: out,
        reserve_in_before: reserve_in,
        reserve_out_before: reserve_out,
        authority: a.authority.key(),
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
