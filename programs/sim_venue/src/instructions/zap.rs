use anchor_lang::prelude::*;
use anchor_spl::token::{self, Burn, Mint, MintTo, Token, TokenAccount, Transfer};

use crate::{error::VenueError, events::Zapped, math, state::Pool};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct ZapInArgs {
    /// Atoms of the side's mint to deposit; > 0.
    pub amount: u64,
    /// Fewest LP atoms to accept.
    pub min_lp: u64,
}

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct ZapOutArgs {
    /// LP atoms to burn; > 0.
    pub lp: u64,
    /// Fewest atoms of the side's mint to accept.
    pub min_out: u64,
}

/// A single-sided deposit or withdrawal: one side of the pair in or out, LP tokens out or in.
/// The pool swaps the other half internally at its own price and fee (`math::zap_in`,
/// `math::zap_out`), so a holder of one token provides or exits liquidity in one call.
#[event_cpi]
#[derive(Accounts)]
pub struct Zap<'info> {
    #[account(
        seeds = [Pool::SEED, pool.mint_a.as_ref(), pool.mint_b.as_ref()],
        bump = pool.bump,
        has_one = lp_mint @ VenueError::VaultMismatch
    )]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's vault of the single side (what is deposited, or paid out).
    #[account(mut, constraint = Some(vault_side.key()) == pool.vault_for(&vault_side.mint) @ VenueError::VaultMismatch)]
    pub vault_side: Box<Account<'info, TokenAccount>>,
    /// The pool's vault of the other side.
    #[account(
        constraint = Some(vault_other.key()) == pool.vault_for(&vault_other.mint) @ VenueError::VaultMismatch,
        constraint = vault_other.key() != vault_side.key() @ VenueError::VaultMismatch
    )]
    pub vault_other: Box<Account<'info, TokenAccount>>,
    #[account(mut)]
    pub lp_mint: Box<Account<'info, Mint>>,
    /// What the caller gives: the side's mint (zap in) or LP tokens (zap out); the token
    /// program checks `authority` owns it or is its delegate.
    #[account(mut)]
    pub source: Box<Account<'info, TokenAccount>>,
    /// What the caller receives: LP tokens (zap in) or the side's mint (zap out); any holder.
    #[account(mut)]
    pub destination: Box<Account<'info, TokenAccount>>,
    /// Owner or delegate of `source`.
    pub authority: Signer<'info>,
    pub token_program: Program<'info, Token>,
}

impl<'info> Zap<'info> {
    fn pool_seeds(&self) -> [&[u8]; 3] {
        [
            Pool::SEED,
            self.pool.mint_a.as_ref(),
            self.pool.mint_b.as_ref(),
        ]
    }

    fn event(&self, deposit: bool, amount: u64, lp: u64) -> Result<Zapped> {
        let clock = Clock::get()?;
        Ok(Zapped {
            pool: self.pool.key(),
            authority: self.authority.key(),
            deposit,
            mint: self.vault_side.mint,
            amount,
            lp,
            slot: clock.slot,
            unix_ts: clock.unix_timestamp,
        })
    }
}

/// Deposits `amount` of one side and mints the LP it buys to `destination`.
pub fn in_handler(ctx: Context<Zap>, args: ZapInArgs) -> Result<()> {
    let a = &ctx.accounts;
    require!(args.amount > 0, VenueError::InvalidAmount);
    require!(
        a.source.mint == a.vault_side.mint && a.destination.mint == a.lp_mint.key(),
        VenueError::VaultMismatch
    );
    require!(a.lp_mint.supply > 0, VenueError::InsufficientLiquidity);
    let (lp, _) = math::zap_in(
        args.amount,
        a.vault_side.amount,
        a.vault_other.amount,
        a.lp_mint.supply,
        a.pool.fee_bps,
    )?;
    require!(lp > 0 && lp >= args.min_lp, VenueError::LpBelowMinimum);
    let accounts = Transfer {
        from: a.source.to_account_info(),
        to: a.vault_side.to_account_info(),
        authority: a.authority.to_account_info(),
    };
    token::transfer(
        CpiContext::new(a.token_program.key(), accounts),
        args.amount,
    )?;
    let bump = [a.pool.bump];
    let [seed, mint_a, mint_b] = a.pool_seeds();
    let seeds: &[&[u8]] = &[seed, mint_a, mint_b, &bump];
    let accounts = MintTo {
        mint: a.lp_mint.to_account_info(),
        to: a.destination.to_account_info(),
        authority: a.pool.to_account_info(),
    };
    token::mint_to(
        CpiContext::new_with_signer(a.token_program.key(), accounts, &[seeds]),
        lp,
    )?;
    let event = a.event(true, args.amount, lp)?;
    emit_cpi!(event);
    Ok(())
}

/// Burns `lp` from `source` and pays its single-sided value to `destination`.
pub fn out_handler(ctx: Context<Zap>, args: ZapOutArgs) -> Result<()> {
    let a = &ctx.accounts;
    require!(args.lp > 0, VenueError::InvalidAmount);
    require!(
        a.source.mint == a.lp_mint.key() && a.destination.mint == a.vault_side.mint,
        VenueError::VaultMismatch
    );
    let out = math::zap_out(
        args.lp,
        a.vault_side.amount,
        a.vault_other.amount,
        a.lp_mint.supply,
        a.pool.fee_bps,
    )?;
    require!(
        out > 0 && out < a.vault_side.amount,
        VenueError::InsufficientLiquidity
    );
    require!(out >= args.min_out, VenueError::SlippageExceeded);
    let accounts = Burn {
        mint: a.lp_mint.to_account_info(),
        from: a.source.to_account_info(),
        authority: a.authority.to_account_info(),
    };
    token::burn(CpiContext::new(a.token_program.key(), accounts), args.lp)?;
    let bump = [a.pool.bump];
    let [seed, mint_a, mint_b] = a.pool_seeds();
    let seeds: &[&[u8]] = &[seed, mint_a, mint_b, &bump];
    let accounts = Transfer {
        from: a.vault_side.to_account_info(),
        to: a.destination.to_account_info(),
        authority: a.pool.to_account_info(),
    };
    token::transfer(
        CpiContext::new_with_signer(a.token_program.key(), accounts, &[seeds]),
        out,
    )?;
    let event = a.event(false, out, args.lp)?;
    emit_cpi!(event);
    Ok(())
}
