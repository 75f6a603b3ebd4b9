use anchor_lang::prelude::*;
use onchain_common::pda::init_pda_account;

use crate::{
    compression::TreeAccounts,
    constants::{COMPRESSION_PROGRAM_ID, NOOP_PROGRAM_ID, TREE_AUTHORITY_SEED},
    error::ReceiptsError,
    events::TreeCreated,
    merkle::{tree_account_len, SUPPORTED_SHAPES},
    state::{ReceiptTree, ReceiptsConfig},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct CreateTreeArgs {
    /// Shard number, < shard_count.
    pub shard: u16,
    /// A depth/buffer pair mpl-account-compression supports (e.g. 20/64: 1,048,576 receipts).
    pub max_depth: u32,
    pub max_buffer_size: u32,
    /// Canopy levels the admin allocated in the tree account (0 keeps rent lowest).
    pub canopy_depth: u32,
}

/// Creates shard `shard`: the admin allocates the tree account (owned by mpl-account-compression,
/// zeroed, sized for depth/buffer/canopy) in the same transaction; this initializes it with the
/// tree-authority PDA as its only authority.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateTreeArgs)]
pub struct CreateTree<'info> {
    #[account(seeds = [ReceiptsConfig::SEED], bump = config.bump, has_one = admin @ ReceiptsError::Unauthorized)]
    pub config: Box<Account<'info, ReceiptsConfig>>,
    /// CHECK: the shard's ReceiptTree PDA, created by the handler (prefund-safe).
    #[account(mut, seeds = [ReceiptTree::SEED, args.shard.to_le_bytes().as_ref()], bump)]
    pub receipt_tree: UncheckedAccount<'info>,
    /// CHECK: the tree account; mpl-account-compression checks owner and emptiness, we check size.
    #[account(mut, owner = COMPRESSION_PROGRAM_ID @ ReceiptsError::MalformedTree)]
    pub tree: UncheckedAccount<'info>,
    /// CHECK: PDA `["tree_authority", tree]`, signs by seeds; holds nothing.
    #[account(seeds = [TREE_AUTHORITY_SEED, tree.key().as_ref()], bump)]
    pub tree_authority: UncheckedAccount<'info>,
    #[account(mut)]
    pub admin: Signer<'info>,
    /// CHECK: pinned by address.
    #[account(address = NOOP_PROGRAM_ID)]
    pub noop: UncheckedAccount<'info>,
    /// CHECK: pinned by address.
    #[account(address = COMPRESSION_PROGRAM_ID)]
    pub compression_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl CreateTree<'_> {
    fn validate(&self, args: &CreateTreeArgs) -> Result<()> {
        require!(
            args.shard < self.config.shard_count,
            ReceiptsError::ShardOutOfRange
        );
        require!(
            SUPPORTED_SHAPES.contains(&(args.max_depth, args.max_buffer_size))
                && args.canopy_depth < args.max_depth,
            ReceiptsError::UnsupportedTreeShape
        );
        let expected = tree_account_len(args.max_depth, args.max_buffer_size, args.canopy_depth);
        require!(
            expected == Some(self.tree.data_len()),
            ReceiptsError::MalformedTree
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<CreateTree>, args: CreateTreeArgs) -> Result<()> {
    let clock = Clock::get()?;
    let tree_key = ctx.accounts.tree.key();
    let authority_bump = ctx.bumps.tree_authority;
    TreeAccounts {
        tree: &ctx.accounts.tree,
        authority: &ctx.accounts.tree_authority,
        noop: &ctx.accounts.noop,
        compression: &ctx.accounts.compression_program,
    }
    .init_empty(
        args.max_depth,
        args.max_buffer_size,
        &[TREE_AUTHORITY_SEED, tree_key.as_ref(), &[authority_bump]],
    )?;
    let receipt_tree = ReceiptTree {
        tree: tree_key,
        shard: args.shard,
        max_depth: args.max_depth,
        max_buffer_size: args.max_buffer_size,
        canopy_depth: args.canopy_depth,
        period_index: 0,
        period_start: clock.unix_timestamp,
        period_first_leaf: 0,
        bump: ctx.bumps.receipt_tree,
        authority_bump,
        padding: [0; 32],
    };
    init_pda_account(
        &ctx.accounts.admin,
        &ctx.accounts.receipt_tree,
        &ctx.accounts.system_program,
        &[
            ReceiptTree::SEED,
            &args.shard.to_le_bytes(),
            &[receipt_tree.bump],
        ],
        &receipt_tree,
    )?;
    emit_cpi!(TreeCreated {
        receipt_tree: ctx.accounts.receipt_tree.key(),
        tree: tree_key,
        shard: args.shard,
        max_depth: args.max_depth,
        max_buffer_size: args.max_buffer_size,
        canopy_depth: args.canopy_depth,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
