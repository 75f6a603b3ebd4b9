use anchor_lang::prelude::*;

use crate::{
    compression, constants::COMPRESSION_PROGRAM_ID, error::ReceiptsError, events::ReceiptVerified,
    instructions::ReceiptInput, state::ReceiptTree,
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct VerifyReceiptLiveArgs {
    pub input: ReceiptInput,
    /// Leaf index in the tree.
    pub index: u32,
    /// A root still in the tree's changelog buffer (recent).
    pub root: [u8; 32],
}

/// Proves a receipt against the live tree through mpl-account-compression's `verify_leaf`. The
/// proof nodes are passed as `remaining_accounts` keys (that program's convention), without the
/// levels the tree's canopy stores.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: VerifyReceiptLiveArgs)]
pub struct VerifyReceiptLive<'info> {
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
    /// CHECK: the shard's tree (`has_one` above).
    pub tree: UncheckedAccount<'info>,
    /// CHECK: pinned by address.
    #[account(address = COMPRESSION_PROGRAM_ID)]
    pub compression_program: UncheckedAccount<'info>,
}

pub fn handler<'info>(
    ctx: Context<'info, VerifyReceiptLive<'info>>,
    args: VerifyReceiptLiveArgs,
) -> Result<()> {
    let clock = Clock::get()?;
    let leaf = args.input.leaf();
    compression::verify_leaf(
        &ctx.accounts.tree,
        &ctx.accounts.compression_program,
        ctx.remaining_accounts,
        args.root,
        leaf,
        args.index,
    )?;
    emit_cpi!(ReceiptVerified {
        period_root: Pubkey::default(),
        tree: ctx.accounts.tree.key(),
        leaf,
        index: u64::from(args.index),
        root: args.root,
        live: true,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
