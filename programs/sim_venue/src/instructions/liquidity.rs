use anchor_lang::prelude::*;
use anchor_spl::token::{self, Burn, Mint, MintTo, Token, TokenAccount, Transfer};

use crate::{error::VenueError, events::LiquidityChanged, math, state::Pool};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct AddLiquidityArgs {
    /// Most of mint_a to deposit, atoms.
    pub max_a: u64,
    /// Most of mint_b to deposit, atoms.
    pub max_b: u64,
    /// Fewest LP tokens to accept.
    pub min_lp: u64,
}

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct RemoveLiquidityArgs {
    /// LP tokens to burn.
    pub lp: u64,
    /// Fewest atoms of mint_a to accept.
    pub min_a: u64,
    /// Fewest atoms of mint_b to accept.
    pub min_b: u64,
}

/// A provider moving liquidity in or out of a pool.
#[event_cpi]
#[derive(Accounts)]
pub struct Liquidity<'info> {
    #[account(
        seeds = [Pool::SEED, pool.mint_a.as_ref(), pool.mint_b.as_ref()],
        bump = pool.bump,
        has_one = vault_a @ VenueError::VaultMismatch,
        has_one = vault_b @ VenueError::VaultMismatch,
        has_one = lp_mint @ VenueError::VaultMismatch
    )]
    pub pool: Box<Account<'info, Pool>>,
    #[account(mut)]
    pub vault_a: Box<Account<'info, TokenAccount>>,
    #[account(mut)]
    pub vault_b: Box<Account<'info, TokenAccount>>,
    #[account(mut)]
    pub lp_mint: Box<Account<'info, Mint>>,
    /// The provider's accounts for mint_a, mint_b and the LP mint.
    #[account(mut, token::mint = pool.mint_a, token::authority = owner)]
    pub owner_a: Box<Account<'info, TokenAccount>>,
    #[account(mut, token::mint = pool.mint_b, token::authority = owner)]
    pub owner_b: Box<Account<'info, TokenAccount>>,
    #[account(mut, token::mint = pool.lp_mint, token::authority = owner)]
    pub owner_lp: Box<Account<'info, TokenAccount>>,
    pub owner: Signer<'info>,
    pub token_program: Program<'info, Token>,
}

impl<'info> Liquidity<'info> {
    fn transfer_in(
        &self,
        from: &Account<'info, TokenAccount>,
        to: &Account<'info, TokenAccount>,
        amount: u64,
    ) -> Result<()> {
        let accounts = Transfer {
            from: from.to_account_info(),
            to: to.to_account_info(),
            authority: self.owner.to_account_info(),
        };
        token::transfer(CpiContext::new(self.token_program.key(), accounts), amount)
    }

    fn transfer_out(
        &self,
        from: &Account<'info, TokenAccount>,
        to: &Account<'info, TokenAccount>,
        amount: u64,
    ) -> Result<()> {
        let pool = &self.pool;
        let seeds: &[&[u8]] = &[
            Pool::SEED,
            pool.mint_a.as_ref(),
            pool.mint_b.as_ref(),
            &[pool.bump],
        ];
        let accounts = Transfer {
            from: from.to_account_info(),
            to: to.to_account_info(),
            authority: pool.to_account_info(),
        };
        token::transfer(
            CpiContext::new_with_signer(self.token_program.key(), accounts, &[seeds]),
            amount,
        )
    }

    fn reserves(&mut self) -> Result<(u64, u64, u64)> {
        self.vault_a.reload()?;
        self.vault_b.reload()?;
        self.lp_mint.reload()?;
        Ok((
            self.vault_a.amount,
            self.vault_b.amount,
            self.lp_mint.supply,
        ))
    }
}

fn event(
    ctx: &Context<Liquidity>,
    deposit: bool,
    amounts: (u64, u64, u64),
    after: (u64, u64, u64),
) -> Result<LiquidityChanged> {
    let clock = Clock::get()?;
    Ok(LiquidityChanged {
        pool: ctx.accounts.pool.key(),
        owner: ctx.accounts.owner.key(),
        deposit,
        amount_a: amounts.0,
        amount_b: amounts.1,
        lp: amounts.2,
        reserve_a_after: after.0,
        reserve_b_after: after.1,
        lp_supply_after: after.2,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    })
}

/// Deposits both sides in the pool's ratio (the first deposit sets it) and mints LP tokens.
pub fn add_handler(ctx: Context<Liquidity>, args: AddLiquidityArgs) -> Result<()> {
    require!(args.max_a > 0 && args.max_b > 0, VenueError::InvalidAmount);
    let (ra, rb, supply) = ctx.accounts.reserves()?;
    let (lp, take_a, take_b) = math::deposit(args.max_a, args.max_b, ra, rb, supply)?;
    require!(lp > 0 && lp >= args.min_lp, VenueError::LpBelowMinimum);
    let a = &ctx.accounts;
    a.transfer_in(&a.owner_a, &a.vault_a, take_a)?;
    a.transfer_in(&a.owner_b, &a.vault_b, take_b)?;
    let pool = &a.pool;
    let seeds: &[&[u8]] = &[
        Pool::SEED,
        pool.mint_a.as_ref(),
        pool.mint_b.as_ref(),
        &[pool.bump],
    ];
    let accounts = MintTo {
        mint: a.lp_mint.to_account_info(),
        to: a.owner_lp.to_account_info(),
        authority: pool.to_account_info(),
    };
    token::mint_to(
        CpiContext::new_with_signer(a.token_program.key(), accounts, &[seeds]),
        lp,
    )?;
    let after = ctx.accounts.reserves()?;
    let event = event(&ctx, true, (take_a, take_b, lp), after)?;
    emit_cpi!(event);
    Ok(())
}

/// Burns LP tokens for the proportional share of both reserves (rounded down).
pub fn remove_handler(ctx: Context<Liquidity>, args: RemoveLiquidityArgs) -> Result<()> {
    require!(args.lp > 0, VenueError::InvalidAmount);
    let (ra, rb, supply) = ctx.accounts.reserves()?;
    let (out_a, out_b) = math::withdraw(args.lp, ra, rb, supply)?;
    require!(
        out_a >= args.min_a && out_b >= args.min_b,
        VenueError::SlippageExceeded
    );
    let a = &ctx.accounts;
    let accounts = Burn {
        mint: a.lp_mint.to_account_info(),
        from: a.owner_lp.to_account_info(),
        authority: a.owner.to_account_info(),
    };
    token::burn(CpiContext::new(a.token_program.key(), accounts), args.lp)?;
    a.transfer_out(&a.vault_a, &a.owner_a, out_a)?;
    a.transfer_out(&a.vault_b, &a.owner_b, out_b)?;
    let after = ctx.accounts.reserves()?;
    let event = event(&ctx, false, (out_a, out_b, args.lp), after)?;
    emit_cpi!(event);
    Ok(())
}
