use anchor_lang::prelude::*;

use crate::{
    compression::TreeAccounts,
    constants::{COMPRESSION_PROGRAM_ID, NOOP_PROGRAM_ID, TREE_AUTHORITY_SEED},
    error::ReceiptsError,
    events::ReceiptAppended,
    merkle::read_tree,
    receipt::{shard_for, Receipt},
    state::{ReceiptTree, ReceiptsConfig, Shard},
};

/// Appends a receipt's leaf to its plan's shard. Only authorized writers (program PDAs that
/// append as part of a paid, guarded step) may call it; a full tree fails the whole transaction.
/// Each append deposits [`ReceiptTree::leaf_deposit`] lamports from `rent_payer` into the shard,
/// so whoever fills a tree pays for the generation after it.
#[event_cpi]
#[derive(Accounts)]
#[instruction(receipt: Receipt)]
pub struct AppendReceipt<'info> {
    #[account(seeds = [ReceiptsConfig::SEED], bump = config.bump)]
    pub config: Box<Account<'info, ReceiptsConfig>>,
    /// The shard; read-only, so appends to different shards never contend for an account.
    #[account(
        seeds = [
            ReceiptTree::SEED,
            receipt_tree.shard.to_le_bytes().as_ref(),
            receipt_tree.generation.to_le_bytes().as_ref()
        ],
        bump = receipt_tree.bump,
        has_one = tree @ ReceiptsError::TreeMismatch
    )]
    pub receipt_tree: Box<Account<'info, ReceiptTree>>,
    /// CHECK: the shard's tree account (`has_one` above); mpl-account-compression validates it.
    #[account(mut)]
    pub tree: UncheckedAccount<'info>,
    /// The tree's shard; receives the leaf's deposit.
    #[account(
        mut,
        seeds = [Shard::SEED, receipt_tree.shard.to_le_bytes().as_ref()],
        bump = shard.bump
    )]
    pub shard: Box<Account<'info, Shard>>,
    /// CHECK: PDA `["tree_authority", tree]`; signs the append by seeds.
    #[account(seeds = [TREE_AUTHORITY_SEED, tree.key().as_ref()], bump = receipt_tree.authority_bump)]
    pub tree_authority: UncheckedAccount<'info>,
    /// An authorized writer (a program PDA signing by CPI).
    pub writer: Signer<'info>,
    /// Pays the leaf's deposit (the runner passes the executing vendor).
    #[account(mut)]
    pub rent_payer: Signer<'info>,
    /// CHECK: pinned by address.
    #[account(address = NOOP_PROGRAM_ID)]
    pub noop: UncheckedAccount<'info>,
    /// CHECK: pinned by address.
    #[account(address = COMPRESSION_PROGRAM_ID)]
    pub compression_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl AppendReceipt<'_> {
    fn validate(&self, receipt: &Receipt) -> Result<()> {
        require!(
            self.config.writers.contains(&self.writer.key()),
            ReceiptsError::NotWriter
        );
        require!(
            shard_for(&receipt.plan, self.config.shard_count) == self.receipt_tree.shard,
            ReceiptsError::WrongShard
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&receipt))]
pub fn handler(ctx: Context<AppendReceipt>, receipt: Receipt) -> Result<()> {
    let clock = Clock::get()?;
    let leaf = receipt.leaf();
    let tree_key = ctx.accounts.tree.key();
    let bump = ctx.accounts.receipt_tree.authority_bump;
    TreeAccounts {
        tree: &ctx.accounts.tree,
        authority: &ctx.accounts.tree_authority,
        noop: &ctx.accounts.noop,
        compression: &ctx.accounts.compression_program,
    }
    .append(leaf, &[TREE_AUTHORITY_SEED, tree_key.as_ref(), &[bump]])?;
    let deposit = ctx.accounts.receipt_tree.leaf_deposit(&Rent::get()?)?;
    anchor_lang::system_program::transfer(
        CpiContext::new(
            ctx.accounts.system_program.key(),
            anchor_lang::system_program::Transfer {
                from: ctx.accounts.rent_payer.to_account_info(),
                to: ctx.accounts.shard.to_account_info(),
            },
        ),
        deposit,
    )?;
    let state = read_tree(&ctx.accounts.tree.try_borrow_data()?)?;
    emit_cpi!(ReceiptAppended {
        tree: tree_key,
        shard: ctx.accounts.receipt_tree.shard,
        index: state.leaf_count.saturating_sub(1),
        leaf,
        root: state.root,
        receipt,
        writer: ctx.accounts.writer.key(),
        deposit,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
