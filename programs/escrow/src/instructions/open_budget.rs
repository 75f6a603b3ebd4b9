use anchor_lang::prelude::*;
use anchor_spl::token_interface::{
    self, InitializeAccount3, Mint, TokenAccount, TokenInterface, TransferChecked,
};
use onchain_common::{
    pda::{create_pda_account, init_pda_account},
    SafeMath,
};

use crate::{
    constants::{MAX_BUDGET_DURATION_SECS, VAULT_ACCOUNT_LEN, VAULT_SEED},
    error::EscrowError,
    events::BudgetOpened,
    mint_policy::require_admitted_mint,
    state::{Budget, BudgetStatus, GrantCounter},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct OpenBudgetArgs {
    /// The plan key or a nonce; with the payer it names the budget.
    pub id: [u8; 32],
    /// Atoms moved from the payer's token account into the new vault; > 0.
    pub amount: u64,
    /// Unix seconds; in (now, now + 366 days].
    pub expires_at: i64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: OpenBudgetArgs)]
pub struct OpenBudget<'info> {
    /// Funds the budget and pays all rent; receives every refund later.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: the budget PDA, created by the handler (prefund-safe); an existing budget with
    /// the same (payer, id) fails with the system program's AccountAlreadyInUse.
    #[account(mut, seeds = [Budget::SEED, payer.key().as_ref(), args.id.as_ref()], bump)]
    pub budget: UncheckedAccount<'info>,
    /// CHECK: the budget's vault PDA, created and initialized as a token account by the handler.
    #[account(mut, seeds = [VAULT_SEED, budget.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: the payer's grant counter PDA `["grants", payer]`, created on the payer's first
    /// budget (prefund-safe) and read otherwise; the budget takes its next block of indices.
    #[account(mut, seeds = [GrantCounter::SEED, payer.key().as_ref()], bump)]
    pub grant_counter: UncheckedAccount<'info>,
    /// The budget's mint; checked against the mint policy.
    #[account(mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The payer's token account the deposit comes from.
    #[account(
        mut,
        token::mint = mint,
        token::authority = payer,
        token::token_program = token_program
    )]
    pub payer_token: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl OpenBudget<'_> {
    fn validate(&self, args: &OpenBudgetArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        require!(args.amount > 0, EscrowError::InvalidAmount);
        require!(
            args.expires_at > now && args.expires_at <= now.safe_add(MAX_BUDGET_DURATION_SECS)?,
            EscrowError::InvalidExpiry
        );
        require_admitted_mint(&self.mint.to_account_info(), &self.token_program.key())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<OpenBudget>, args: OpenBudgetArgs) -> Result<()> {
    let clock = Clock::get()?;
    let accounts = &ctx.accounts;
    let payer = accounts.payer.key();
    let budget_key = accounts.budget.key();
    let token_program = accounts.token_program.key();

    let vault_seeds: &[&[u8]] = &[VAULT_SEED, budget_key.as_ref(), &[ctx.bumps.vault]];
    create_pda_account(
        &accounts.payer,
        &accounts.vault,
        &accounts.system_program,
        VAULT_ACCOUNT_LEN,
        &token_program,
        vault_seeds,
    )?;
    token_interface::initialize_account3(CpiContext::new(
        token_program,
        InitializeAccount3 {
            account: accounts.vault.to_account_info(),
            mint: accounts.mint.to_account_info(),
            authority: accounts.budget.to_account_info(),
        },
    ))?;
    token_interface::transfer_checked(
        CpiContext::new(
            token_program,
            TransferChecked {
                from: accounts.payer_token.to_account_info(),
                mint: accounts.mint.to_account_info(),
                to: accounts.vault.to_account_info(),
                authority: accounts.payer.to_account_info(),
            },
        ),
        args.amount,
        accounts.mint.decimals,
    )?;

    let grant_base = take_grant_block(
        &accounts.payer,
        &accounts.grant_counter,
        &accounts.system_program,
        ctx.bumps.grant_counter,
    )?;
    let mut budget = Budget {
        payer,
        id: args.id,
        mint: accounts.mint.key(),
        decimals: accounts.mint.decimals,
        token_program,
        vault: accounts.vault.key(),
        deposited: 0,
        reserved: 0,
        redeemed: 0,
        refunded: 0,
        created_at: clock.unix_timestamp,
        expires_at: args.expires_at,
        status: BudgetStatus::Open,
        grant_count: 0,
        grant_base,
        open_grants: 0,
        session_key: None,
        seq: 0,
        bump: ctx.bumps.budget,
        vault_bump: ctx.bumps.vault,
        padding: [0; 64],
    };
    budget.deposit(args.amount)?;
    let vault_amount =
        TokenAccount::try_deserialize(&mut &accounts.vault.try_borrow_data()?[..])?.amount;
    budget.require_vault_covers(vault_amount)?;
    let seq = budget.next_seq()?;
    budget.invariant()?;
    init_pda_account(
        &accounts.payer,
        &accounts.budget,
        &accounts.system_program,
        &[Budget::SEED, payer.as_ref(), &args.id, &[budget.bump]],
        &budget,
    )?;
    emit_cpi!(BudgetOpened {
        budget: budget_key,
        payer,
        mint: budget.mint,
        vault: budget.vault,
        deposited: budget.deposited,
        expires_at: budget.expires_at,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}

/// The first index of the payer's next block of grant indices, creating the payer's counter on
/// its first budget.
fn take_grant_block<'info>(
    payer: &Signer<'info>,
    counter: &UncheckedAccount<'info>,
    system_program: &Program<'info, System>,
    bump: u8,
) -> Result<u32> {
    let info = counter.to_account_info();
    let mut state = if info.data_is_empty() {
        let payer_key = payer.key();
        init_pda_account(
            payer,
            counter,
            system_program,
            &[GrantCounter::SEED, payer_key.as_ref(), &[bump]],
            &GrantCounter {
                payer: payer_key,
                next_base: 0,
                bump,
            },
        )?;
        GrantCounter {
            payer: payer_key,
            next_base: 0,
            bump,
        }
    } else {
        let data = info.try_borrow_data()?;
        GrantCounter::try_deserialize(&mut &data[..])?
    };
    let base = state.take_block()?;
    let mut data = info.try_borrow_mut_data()?;
    state.try_serialize(&mut &mut data[..])?;
    Ok(base)
}
