use anchor_lang::prelude::*;
use anchor_spl::token::{self, InitializeAccount3, InitializeMint2, Mint, Token};
use onchain_common::pda::{create_pda_account, init_pda_account};

use crate::{constants::*, error::VenueError, events::PoolCreated, state::Pool};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct CreatePoolArgs {
    /// Swap fee in bps of the input, <= 1000.
    pub fee_bps: u16,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreatePoolArgs)]
pub struct CreatePool<'info> {
    /// CHECK: the pool PDA, created by the handler.
    #[account(mut, seeds = [Pool::SEED, mint_a.key().as_ref(), mint_b.key().as_ref()], bump)]
    pub pool: UncheckedAccount<'info>,
    pub mint_a: Box<Account<'info, Mint>>,
    pub mint_b: Box<Account<'info, Mint>>,
    /// CHECK: vault PDA for mint_a, created as a token account by the handler.
    #[account(mut, seeds = [POOL_VAULT_SEED, pool.key().as_ref(), mint_a.key().as_ref()], bump)]
    pub vault_a: UncheckedAccount<'info>,
    /// CHECK: vault PDA for mint_b, created as a token account by the handler.
    #[account(mut, seeds = [POOL_VAULT_SEED, pool.key().as_ref(), mint_b.key().as_ref()], bump)]
    pub vault_b: UncheckedAccount<'info>,
    /// CHECK: LP mint PDA, created as a mint by the handler.
    #[account(mut, seeds = [LP_MINT_SEED, pool.key().as_ref()], bump)]
    pub lp_mint: UncheckedAccount<'info>,
    /// Anyone; pays rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl CreatePool<'_> {
    fn validate(&self, args: &CreatePoolArgs) -> Result<()> {
        require!(
            self.mint_a.key() < self.mint_b.key(),
            VenueError::MintsNotOrdered
        );
        require!(args.fee_bps <= MAX_FEE_BPS, VenueError::FeeTooHigh);
        Ok(())
    }
}

/// Creates the pool for (mint_a, mint_b) with its two vaults and LP mint.
#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<CreatePool>, args: CreatePoolArgs) -> Result<()> {
    let clock = Clock::get()?;
    let a = &ctx.accounts;
    let pool_key = a.pool.key();
    let token_program = a.token_program.key();
    for (vault, mint, bump) in [
        (&a.vault_a, &a.mint_a, ctx.bumps.vault_a),
        (&a.vault_b, &a.mint_b, ctx.bumps.vault_b),
    ] {
        let mint_key = mint.key();
        let seeds: &[&[u8]] = &[
            POOL_VAULT_SEED,
            pool_key.as_ref(),
            mint_key.as_ref(),
            &[bump],
        ];
        create_pda_account(
            &a.payer,
            vault,
            &a.system_program,
            TOKEN_ACCOUNT_LEN,
            &token_program,
            seeds,
        )?;
        token::initialize_account3(CpiContext::new(
            token_program,
            InitializeAccount3 {
                account: vault.to_account_info(),
                mint: mint.to_account_info(),
                authority: a.pool.to_account_info(),
            },
        ))?;
    }
    let lp_seeds: &[&[u8]] = &[LP_MINT_SEED, pool_key.as_ref(), &[ctx.bumps.lp_mint]];
    create_pda_account(
        &a.payer,
        &a.lp_mint,
        &a.system_program,
        MINT_LEN,
        &token_program,
        lp_seeds,
    )?;
    token::initialize_mint2(
        CpiContext::new(
            token_program,
            InitializeMint2 {
                mint: a.lp_mint.to_account_info(),
            },
        ),
        LP_DECIMALS,
        &pool_key,
        None,
    )?;
    let pool = Pool {
        mint_a: a.mint_a.key(),
        mint_b: a.mint_b.key(),
        vault_a: a.vault_a.key(),
        vault_b: a.vault_b.key(),
        lp_mint: a.lp_mint.key(),
        fee_bps: args.fee_bps,
        bump: ctx.bumps.pool,
    };
    init_pda_account(
        &a.payer,
        &a.pool,
        &a.system_program,
        &[
            Pool::SEED,
            pool.mint_a.as_ref(),
            pool.mint_b.as_ref(),
            &[pool.bump],
        ],
        &pool,
    )?;
    emit_cpi!(PoolCreated {
        pool: pool_key,
        mint_a: pool.mint_a,
        mint_b: pool.mint_b,
        fee_bps: pool.fee_bps,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
