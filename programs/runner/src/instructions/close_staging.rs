use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount};

use crate::{
    constants::{DELEGATE_SEED, STAGING_SEED},
    custody,
    error::RunnerError,
    events::StagingClosed,
};

/// The owner closes its staging account of a mint once no approved plan can sell that mint any
/// more (the owner's delegate holds no allowance on the owner's account of it): anything in it
/// goes to the owner's account, the rent to the owner. A later approval creates it again.
#[event_cpi]
#[derive(Accounts)]
pub struct CloseStaging<'info> {
    /// Receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// CHECK: the owner's delegate PDA (seeds checked); its allowance must be zero.
    #[account(seeds = [DELEGATE_SEED, owner.key().as_ref()], bump)]
    pub owner_delegate: UncheckedAccount<'info>,
    pub mint: Box<Account<'info, Mint>>,
    /// The owner's associated token account of the mint: receives whatever staging holds.
    #[account(
        mut,
        associated_token::mint = mint,
        associated_token::authority = owner,
        associated_token::token_program = token_program
    )]
    pub owner_account: Box<Account<'info, TokenAccount>>,
    /// The owner's staging account of the mint.
    #[account(mut, seeds = [STAGING_SEED, owner.key().as_ref(), mint.key().as_ref()], bump)]
    pub staging: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl CloseStaging<'_> {
    fn validate(&self) -> Result<()> {
        require!(
            custody::allowance(&self.owner_account, &self.owner_delegate.key()) == 0,
            RunnerError::StagingInUse
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<CloseStaging>) -> Result<()> {
    let clock = Clock::get()?;
    let accounts = &ctx.accounts;
    let (owner, mint) = (accounts.owner.key(), accounts.mint.key());
    let bump = [ctx.bumps.staging];
    let seeds: &[&[u8]] = &[STAGING_SEED, owner.as_ref(), mint.as_ref(), &bump];
    let staging = accounts.staging.to_account_info();
    let swept = accounts.staging.amount;
    if swept > 0 {
        let transfer = token::Transfer {
            from: staging.clone(),
            to: accounts.owner_account.to_account_info(),
            authority: staging.clone(),
        };
        token::transfer(
            CpiContext::new_with_signer(accounts.token_program.key(), transfer, &[seeds]),
            swept,
        )?;
    }
    let rent_returned = staging.lamports();
    let close = token::CloseAccount {
        account: staging.clone(),
        destination: accounts.owner.to_account_info(),
        authority: staging,
    };
    token::close_account(CpiContext::new_with_signer(
        accounts.token_program.key(),
        close,
        &[seeds],
    ))?;
    emit_cpi!(StagingClosed {
        owner,
        mint,
        swept,
        rent_returned,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
