use anchor_lang::prelude::*;
use onchain_common::{pda::init_pda_account, SafeMath};

use crate::{
    error::ReceiptsError,
    events::PeriodAnchored,
    merkle::read_tree,
    state::{PeriodRoot, ReceiptTree, ReceiptsConfig},
};

/// Freezes the open period of a shard into a new PeriodRoot: permissionless once the period is
/// over. The period is `[period_start, now)` and holds every leaf appended since the last anchor;
/// an empty period is anchored too, so every span of time has a root. Never overwritten: each
/// PeriodRoot index is created exactly once.
#[event_cpi]
#[derive(Accounts)]
pub struct AnchorPeriod<'info> {
    #[account(seeds = [ReceiptsConfig::SEED], bump = config.bump)]
    pub config: Box<Account<'info, ReceiptsConfig>>,
    #[account(
        mut,
        seeds = [
            ReceiptTree::SEED,
            receipt_tree.shard.to_le_bytes().as_ref(),
            receipt_tree.generation.to_le_bytes().as_ref()
        ],
        bump = receipt_tree.bump,
        has_one = tree @ ReceiptsError::TreeMismatch
    )]
    pub receipt_tree: Box<Account<'info, ReceiptTree>>,
    /// CHECK: the shard's tree account (`has_one` above), read for its root and leaf count.
    pub tree: UncheckedAccount<'info>,
    /// CHECK: the PeriodRoot PDA for the shard's next period index, created by the handler.
    #[account(
        mut,
        seeds = [PeriodRoot::SEED, tree.key().as_ref(), receipt_tree.period_index.to_le_bytes().as_ref()],
        bump
    )]
    pub period_root: UncheckedAccount<'info>,
    /// Anyone; pays the PeriodRoot's rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl AnchorPeriod<'_> {
    fn validate(&self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let ends = self
            .receipt_tree
            .period_start
            .safe_add(self.config.period_secs)?;
        require!(now >= ends, ReceiptsError::PeriodNotOver);
        Ok(())
    }
}

#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<AnchorPeriod>) -> Result<()> {
    let clock = Clock::get()?;
    let state = read_tree(&ctx.accounts.tree.try_borrow_data()?)?;
    let receipt_tree = &mut ctx.accounts.receipt_tree;
    require!(
        state.max_depth == receipt_tree.max_depth,
        ReceiptsError::MalformedTree
    );
    let tree = receipt_tree.tree;
    let period = PeriodRoot {
        tree,
        shard: receipt_tree.shard,
        index: receipt_tree.period_index,
        start: receipt_tree.period_start,
        end: clock.unix_timestamp,
        root: state.root,
        first_leaf: receipt_tree.period_first_leaf,
        leaf_count: state.leaf_count.safe_sub(receipt_tree.period_first_leaf)?,
        max_depth: state.max_depth,
        slot: clock.slot,
        bump: ctx.bumps.period_root,
    };
    init_pda_account(
        &ctx.accounts.payer,
        &ctx.accounts.period_root,
        &ctx.accounts.system_program,
        &[
            PeriodRoot::SEED,
            tree.as_ref(),
            &period.index.to_le_bytes(),
            &[period.bump],
        ],
        &period,
    )?;
    receipt_tree.advance_period(clock.unix_timestamp, state.leaf_count)?;
    emit_cpi!(PeriodAnchored {
        period_root: ctx.accounts.period_root.key(),
        tree,
        shard: period.shard,
        index: period.index,
        start: period.start,
        end: period.end,
        root: period.root,
        first_leaf: period.first_leaf,
        leaf_count: period.leaf_count,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
