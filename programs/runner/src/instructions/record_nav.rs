use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, TokenAccount};
use receipts::{
    receipt::{ObservedGuards, Payment, PaymentMethod, ReceiptKind},
    Receipt,
};

use crate::{
    constants::AUTHORITY_SEED,
    custody,
    error::RunnerError,
    events::NavRecorded,
    instructions::settlement,
    nav::{positions_hash, price_guards, pyth_policy, total_usd, NavPosition, MAX_NAV_POSITIONS},
    oracle,
    state::StepGuards,
};
// Composite groups bring Anchor-generated companions (bumps, client modules).
use crate::instructions::accounts::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct RecordNavArgs {
    /// The Pyth feed id each position is priced by, in remaining-account order.
    pub feeds: Vec<[u8; 32]>,
    /// Oldest acceptable price update, seconds (> 0).
    pub max_age_secs: u32,
    /// Largest Pyth confidence over price, bps.
    pub max_confidence_bps: u16,
}

/// Fund Admin: the owner's positions — each the owner's own SPL token account, its Mint and a
/// fully verified Pyth `PriceUpdateV2` of the named feed — priced fail-closed (a stale,
/// unverified or too uncertain price refuses the whole NAV), and the net asset value recorded
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
    // remaining_accounts: per position, the owner's token account, its Mint, its price account.
}

/// The position named by `accounts` (token account, Mint, price account) and `feed_id`.
fn position(
    owner: &Pubkey,
    accounts: &[AccountInfo],
    feed_id: [u8; 32],
    guards: &StepGuards,
    clock: &Clock,
) -> Result<NavPosition> {
    let [held, mint, price] = accounts else {
        return err!(RunnerError::NavPositionInvalid);
    };
    let account: TokenAccount =
        custody::token_account(held)?.ok_or(RunnerError::NavPositionInvalid)?;
    require!(
        account.owner == *owner && account.mint == mint.key() && *mint.owner == token::ID,
        RunnerError::NavPositionInvalid
    );
    let decimals = Mint::try_deserialize(&mut &mint.try_borrow_data()?[..])?.decimals;
    let policy = pyth_policy(mint.key(), decimals, price.key(), feed_id);
    let reading = oracle::read(price, &policy, guards, clock)?;
    NavPosition::priced(held.key(), mint.key(), account.amount, decimals, &reading)
}

pub fn handler<'info>(ctx: Context<'info, RecordNav<'info>>, args: RecordNavArgs) -> Result<()> {
    let clock = Clock::get()?;
    let count = args.feeds.len();
    require!(
        (1..=MAX_NAV_POSITIONS).contains(&count)
            && ctx.remaining_accounts.len() == count * 3
            && args.max_age_secs > 0,
        RunnerError::NavPositionInvalid
    );
    let owner = ctx.accounts.owner.key();
    let guards = price_guards(args.max_age_secs, args.max_confidence_bps);
    let positions = ctx
        .remaining_accounts
        .chunks(3)
        .zip(&args.feeds)
        .map(|(accounts, feed)| position(&owner, accounts, *feed, &guards, &clock))
        .collect::<Result<Vec<_>>>()?;
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
    let receipt = Receipt {
        plan: owner,
        step: 0,
        execution: 0,
        agent: ctx.accounts.recorder.key(),
        agent_version: 0,
        payer: owner,
        kind: ReceiptKind::Nav,
        inputs_hash: positions_hash(&positions),
        amount_in: total_usd(&positions)?,
        mint_in: Pubkey::default(),
        amount_out: count as u64,
        mint_out: Pubkey::default(),
        guards: ObservedGuards {
            oracle_publish_time: oldest,
            ..ObservedGuards::default()
        },
        payment: Payment {
            method: PaymentMethod::None,
            reference: Pubkey::default(),
            amount: 0,
        },
        venue: Pubkey::default(),
        slot: clock.slot,
        unix_time: clock.unix_timestamp,
        vendor_receipt_hash: [0; 32],
    };
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
