use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{
    compression::TreeAccounts,
    constants::{COMPRESSION_PROGRAM_ID, NOOP_PROGRAM_ID, TREE_AUTHORITY_SEED},
    error::ReceiptsError,
    events::TreeCreated,
    instructions::create_tree::NewGeneration,
    merkle::{read_tree, tree_account_len},
    state::{ReceiptTree, Shard},
};

/// Opens the next tree generation of a shard once its newest tree is at least half full
/// (permissionless: the anchorer keeper and vendors' brokers do it, paying the new tree's rent).
/// The caller allocates the tree account (owned by mpl-account-compression, zeroed, sized for
/// the newest generation's depth and buffer, no canopy) in the same transaction. Appends then go
/// to the new tree; the old one keeps its leaves and its period roots. No one can brick a shard:
/// filling a tree costs a paid execution per leaf, opening the next costs one transaction, and
/// the shard pays the provisioner back from its appends' deposits (up to what the new accounts
/// cost), so the rent of every generation after the first falls on those who filled the last.
#[event_cpi]
#[derive(Accounts)]
pub struct ProvisionTree<'info> {
    #[account(
        mut,
        seeds = [Shard::SEED, shard.shard.to_le_bytes().as_ref()],
        bump = shard.bump
    )]
    pub shard: Box<Account<'info, Shard>>,
    /// The shard's newest generation.
    #[account(
        seeds = [
            ReceiptTree::SEED,
            shard.shard.to_le_bytes().as_ref(),
            shard.newest().to_le_bytes().as_ref()
        ],
        bump = newest.bump,
        constraint = newest.tree == newest_tree.key() @ ReceiptsError::TreeMismatch
    )]
    pub newest: Box<Account<'info, ReceiptTree>>,
    /// CHECK: the newest generation's tree (checked above), read for its leaf count.
    pub newest_tree: UncheckedAccount<'info>,
    /// CHECK: the next generation's ReceiptTree PDA, created by the handler (prefund-safe).
    #[account(
        mut,
        seeds = [
            ReceiptTree::SEED,
            shard.shard.to_le_bytes().as_ref(),
            shard.generations.to_le_bytes().as_ref()
        ],
        bump
    )]
    pub receipt_tree: UncheckedAccount<'info>,
    /// CHECK: the new tree account; mpl-account-compression checks owner and emptiness, we
    /// check its size.
    #[account(mut, owner = COMPRESSION_PROGRAM_ID @ ReceiptsError::MalformedTree)]
    pub tree: UncheckedAccount<'info>,
    /// CHECK: PDA `["tree_authority", tree]`, signs by seeds; holds nothing.
    #[account(seeds = [TREE_AUTHORITY_SEED, tree.key().as_ref()], bump)]
    pub tree_authority: UncheckedAccount<'info>,
    /// Anyone; pays the new ReceiptTree's rent (and allocated the tree account), and is paid
    /// back from the shard's deposits.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: pinned by address.
    #[account(address = NOOP_PROGRAM_ID)]
    pub noop: UncheckedAccount<'info>,
    /// CHECK: pinned by address.
    #[account(address = COMPRESSION_PROGRAM_ID)]
    pub compression_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

impl ProvisionTree<'_> {
    fn validate(&self) -> Result<()> {
        let newest = &self.newest;
        let filled = read_tree(&self.newest_tree.try_borrow_data()?)?.leaf_count;
        require!(
            filled.safe_mul(2)? >= newest.capacity(),
            ReceiptsError::TreeNotHalfFull
        );
        let expected = tree_account_len(newest.max_depth, newest.max_buffer_size, 0);
        require!(
            expected == Some(self.tree.data_len()),
            ReceiptsError::MalformedTree
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<ProvisionTree>) -> Result<()> {
    let clock = Clock::get()?;
    let accounts = &ctx.accounts;
    let generation = accounts.shard.generations;
    let event = NewGeneration {
        tree: TreeAccounts {
            tree: &accounts.tree,
            authority: &accounts.tree_authority,
            noop: &accounts.noop,
            compression: &accounts.compression_program,
        },
        receipt_tree: &accounts.receipt_tree,
        payer: &accounts.payer,
        system_program: &accounts.system_program,
        shard: accounts.shard.shard,
        generation,
        bumps: (ctx.bumps.receipt_tree, ctx.bumps.tree_authority),
    }
    .create(
        accounts.newest.max_depth,
        accounts.newest.max_buffer_size,
        0,
        &clock,
    )?;
    let reimbursed = reimburse(&ctx.accounts.shard, &ctx.accounts.payer, &ctx.accounts.tree)?;
    let shard = &mut ctx.accounts.shard;
    shard.generations = generation.safe_add(1)?;
    emit_cpi!(TreeCreated {
        reimbursed,
        ..event
    });
    Ok(())
}

/// Moves the shard's deposits above its own rent to `payer`, up to the rent of the tree and
/// ReceiptTree just created. Returns the lamports moved.
fn reimburse<'info>(
    shard: &Account<'info, Shard>,
    payer: &Signer<'info>,
    tree: &UncheckedAccount<'info>,
) -> Result<u64> {
    let rent = Rent::get()?;
    let cost = rent
        .minimum_balance(tree.data_len())
        .safe_add(rent.minimum_balance(ReceiptTree::SPACE))?;
    let shard_info = shard.to_account_info();
    let surplus = shard_info
        .lamports()
        .saturating_sub(rent.minimum_balance(Shard::SPACE));
    let amount = surplus.min(cost);
    shard_info.sub_lamports(amount)?;
    payer.to_account_info().add_lamports(amount)?;
    Ok(amount)
}
