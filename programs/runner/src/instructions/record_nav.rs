use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, TokenAccount};
use receipts::Receipt;
use sim_venue::state::Pool;

use crate::{
    constants::AUTHORITY_SEED,
    custody,
    error::RunnerError,
    events::NavRecorded,
    instructions::settlement,
    nav::{
        positions_hash, price_guards, pyth_policy, total_usd, NavPosition, NavPricing,
        MAX_NAV_POSITIONS,
    },
    oracle::{self, pool, Reading},
    state::StepGuards,
};
// Composite groups bring Anchor-generated companions (bumps, client modules).
use crate::instructions::accounts::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct RecordNavArgs {
    /// How each position is priced, in remaining-account order.
    pub positions: Vec<NavPricing>,
    /// Oldest acceptable price update, seconds (> 0).
    pub max_age_secs: u32,
    /// Largest Pyth confidence over price, bps.
    pub max_confidence_bps: u16,
}

/// Fund Admin: the owner's positions — each the owner's own SPL token account and its Mint,
/// priced by a fully verified Pyth `PriceUpdateV2` of the named feed, or, for an LP token, by
/// its sim_venue pool and both sides' Pyth prices — priced fail-closed (a stale, unverified or
/// too uncertain price refuses the whole NAV), and the net asset value recorded
/// as a `Nav` receipt in the owner's shard, so an auditor verifies it against the period root
/// like any other receipt. Anyone may record it (the positions are the chain's, checked here);
/// the recorder signs and pays. The receipt commits to the positions by `inputs_hash`
/// ([`crate::nav::positions_hash`]); `payer` is the owner, `agent` the recorder, `amount_in`
/// the NAV in micro-USD, `amount_out` the number of positions, `guards.oracle_publish_time`
/// the oldest price used.
#[event_cpi]
#[derive(Accounts)]
pub struct RecordNav<'info> {
    /// Who records it (the owner or its fund administrator): signs, pays the leaf deposit.
    #[account(mut)]
    pub recorder: Signer<'info>,
    /// CHECK: whose positions these are; every position's token account must be owned by it.
    pub owner: UncheckedAccount<'info>,
    pub receipts: ReceiptAccounts<'info>,
    /// CHECK: the runner authority PDA (seeds checked); signs the receipt as writer.
    #[account(seeds = [AUTHORITY_SEED], bump)]
    pub authority: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
    // remaining_accounts: per position, the accounts its `NavPricing` names.
}

/// The SPL Mint `info` (owned by the token program).
fn mint(info: &AccountInfo) -> Result<Mint> {
    require_keys_eq!(
        *info.owner,
        token::ID,
        anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram
    );
    Mint::try_deserialize(&mut &info.try_borrow_data()?[..])
}

/// `mint` (of `decimals`) priced by the Pyth account `price` of `feed_id`.
fn pyth_reading(
    mint: &Pubkey,
    decimals: u8,
    price: &AccountInfo,
    feed_id: [u8; 32],
    guards: &StepGuards,
    clock: &Clock,
) -> Result<Reading> {
    let policy = pyth_policy(*mint, decimals, price.key(), feed_id);
    oracle::read(price, &policy, guards, clock)
}

/// One side of a pool: its vault's reserve and its mint's decimals, priced at `feed`.
struct PoolSide {
    reserve: u64,
    decimals: u8,
    reading: Reading,
}

impl PoolSide {
    fn read(
        vault: &AccountInfo,
        side_mint: &AccountInfo,
        price: &AccountInfo,
        feed: [u8; 32],
        guards: &StepGuards,
        clock: &Clock,
    ) -> Result<Self> {
        let reserve = custody::token_account(vault)?
            .ok_or(RunnerError::PoolMismatch)?
            .amount;
        let decimals = mint(side_mint)?.decimals;
        let reading = pyth_reading(&side_mint.key(), decimals, price, feed, guards, clock)?;
        Ok(Self {
            reserve,
            decimals,
            reading,
        })
    }

    fn side(&self) -> pool::Side<'_> {
        pool::Side {
            reserve: self.reserve,
            decimals: self.decimals,
            reading: &self.reading,
        }
    }
}

/// The LP token `lp_mint` priced from its sim_venue pool: the pool, its vaults and mints as
/// the pool names them, each side at its own Pyth price.
fn pool_reading<'info>(
    lp_mint: (&Pubkey, &Mint),
    accounts: &'info [AccountInfo<'info>],
    [feed_a, feed_b]: [[u8; 32]; 2],
    guards: &StepGuards,
    clock: &Clock,
) -> Result<Reading> {
    let [pool_info, vault_a, vault_b, mint_a, mint_b, price_a, price_b] = accounts else {
        return err!(RunnerError::NavPositionInvalid);
    };
    let pool_state = Account::<Pool>::try_from(pool_info)?;
    require!(
        pool_state.lp_mint == *lp_mint.0
            && pool_state.vault_a == vault_a.key()
            && pool_state.vault_b == vault_b.key()
            && pool_state.mint_a == mint_a.key()
            && pool_state.mint_b == mint_b.key(),
        RunnerError::PoolMismatch
    );
    let a = PoolSide::read(vault_a, mint_a, price_a, feed_a, guards, clock)?;
    let b = PoolSide::read(vault_b, mint_b, price_b, feed_b, guards, clock)?;
    pool::lp_reading(
        &pool_info.key(),
        a.side(),
        b.side(),
        lp_mint.1.supply,
        lp_mint.1.decimals,
    )
}

/// The position named by `accounts` (the owner's token account, its Mint, then what
/// `pricing` prices it by).
fn position<'info>(
    owner: &Pubkey,
    accounts: &'info [AccountInfo<'info>],
    pricing: NavPricing,
    guards: &StepGuards,
    clock: &Clock,
) -> Result<NavPosition> {
    let [held, mint_info, pricing_accounts @ ..] = accounts else {
        return err!(RunnerError::NavPositionInvalid);
    };
    let account: TokenAccount =
        custody::token_account(held)?.ok_or(RunnerError::NavPositionInvalid)?;
    require!(
        account.owner == *owner && account.mint == mint_info.key(),
        RunnerError::NavPositionInvalid
    );
    let mint_state = mint(mint_info)?;
    let reading = match (pricing, pricing_accounts) {
        (NavPricing::Pyth { feed_id }, [price]) => pyth_reading(
            &mint_info.key(),
            mint_state.decimals,
            price,
            feed_id,
            guards,
            clock,
        )?,
        (NavPricing::Pool { feed_a, feed_b }, pool_accounts) => pool_reading(
            (&mint_info.key(), &mint_state),
            pool_accounts,
            [feed_a, feed_b],
            guards,
            clock,
        )?,
        _ => return err!(RunnerError::NavPositionInvalid),
    };
    NavPosition::priced(
        held.key(),
        mint_info.key(),
        account.amount,
        mint_state.decimals,
        &reading,
    )
}

pub fn handler<'info>(ctx: Context<'info, RecordNav<'info>>, args: RecordNavArgs) -> Result<()> {
    let clock = Clock::get()?;
    let count = args.positions.len();
    let named: usize = args.positions.iter().map(NavPricing::account_count).sum();
    require!(
        (1..=MAX_NAV_POSITIONS).contains(&count)
            && ctx.remaining_accounts.len() == named
            && args.max_age_secs > 0,
        RunnerError::NavPositionInvalid
    );
    let owner = ctx.accounts.owner.key();
    let guards = price_guards(args.max_age_secs, args.max_confidence_bps);
    let mut rest = ctx.remaining_accounts;
    let mut positions = Vec::with_capacity(count);
    for pricing in &args.positions {
        let (accounts, tail) = rest.split_at(pricing.account_count());
        positions.push(position(&owner, accounts, *pricing, &guards, &clock)?);
        rest = tail;
    }
    let distinct = positions
        .iter()
        .enumerate()
        .all(|(i, p)| positions[..i].iter().all(|q| q.account != p.account));
    require!(distinct, RunnerError::NavPositionInvalid);
    let oldest = positions
        .iter()
        .map(|p| p.publish_time)
        .min()
        .unwrap_or_default();
    let receipt = Receipt::nav(
        (owner, ctx.accounts.recorder.key()),
        positions_hash(&positions),
        (total_usd(&positions)?, count as u64),
        oldest,
        &clock,
    );
    let leaf = receipt.leaf();
    settlement::append_receipt(
        &ctx.accounts.receipts,
        ctx.accounts.authority.to_account_info(),
        ctx.bumps.authority,
        ctx.accounts.recorder.to_account_info(),
        ctx.accounts.system_program.to_account_info(),
        receipt,
    )?;
    emit_cpi!(NavRecorded {
        owner,
        nav_usd: receipt.amount_in,
        positions,
        leaf,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
