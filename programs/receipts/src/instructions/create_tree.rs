use anchor_lang::prelude::*;
use onchain_common::pda::init_pda_account;

use crate::{
    compression::TreeAccounts,
    constants::{COMPRESSION_PROGRAM_ID, NOOP_PROGRAM_ID, TREE_AUTHORITY_SEED},
    error::ReceiptsError,
    events::TreeCreated,
    merkle::{tree_account_len, SUPPORTED_SHAPES},
    state::{ReceiptTree, ReceiptsConfig, Shard},
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

/// Creates shard `shard` with its first tree generation: the admin allocates the tree account
/// (owned by mpl-account-compression, zeroed, sized for depth/buffer/canopy) in the same
/// transaction; this initializes it with the tree-authority PDA as its only authority. Later
/// generations are provisioned by anyone (`provision_tree`).
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateTreeArgs)]
pub struct CreateTree<'info> {
    #[account(seeds = [ReceiptsConfig::SEED], bump = config.bump, has_one = admin @ ReceiptsError::Unauthorized)]
    pub config: Box<Account<'info, ReceiptsConfig>>,
    /// CHECK: the Shard PDA, created by the handler (prefund-safe); exists once per shard.
    #[account(mut, seeds = [Shard::SEED, args.shard.to_le_bytes().as_ref()], bump)]
    pub shard: UncheckedAccount<'info>,
    /// CHECK: the shard's generation-0 ReceiptTree PDA, created by the handler (prefund-safe).
    #[account(
        mut,
        seeds = [ReceiptTree::SEED, args.shard.to_le_bytes().as_ref(), 0u32.to_le_bytes().as_ref()],
        bump
    )]
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
    let accounts = &ctx.accounts;
    let shard = Shard {
        shard: args.shard,
        generations: 1,
        bump: ctx.bumps.shard,
    };
    init_pda_account(
        &accounts.admin,
        &accounts.shard,
        &accounts.system_program,
        &[Shard::SEED, &args.shard.to_le_bytes(), &[shard.bump]],
        &shard,
    )?;
    let event = NewGeneration {
        tree: TreeAccounts {
            tree: &accounts.tree,
            authority: &accounts.tree_authority,
            noop: &accounts.noop,
            compression: &accounts.compression_program,
        },
        receipt_tree: &accounts.receipt_tree,
        payer: &accounts.admin,
        system_program: &accounts.system_program,
        shard: args.shard,
        generation: 0,
        bumps: (ctx.bumps.receipt_tree, ctx.bumps.tree_authority),
    }
    .create(
        args.max_depth,
        args.max_buffer_size,
        args.canopy_depth,
        &clock,
    )?;
    emit_cpi!(event);
    Ok(())
}

/// The accounts that turn an allocated tree account into generation `generation` of `shard`.
pub struct NewGeneration<'a, 'info> {
    pub tree: TreeAccounts<'a, 'info>,
    pub receipt_tree: &'a UncheckedAccount<'info>,
    pub payer: &'a Signer<'info>,
    pub system_program: &'a Program<'info, System>,
    pub shard: u16,
    pub generation: u32,
    /// Bumps of the ReceiptTree PDA and of the tree authority.
    pub bumps: (u8, u8),
}

impl NewGeneration<'_, '_> {
    /// Initializes the tree (its authority the tree-authority PDA) and writes its ReceiptTree.
    pub fn create(
        &self,
        max_depth: u32,
        max_buffer_size: u32,
        canopy_depth: u32,
        clock: &Clock,
    ) -> Result<TreeCreated> {
        let tree_key = self.tree.tree.key();
        let (bump, authority_bump) = self.bumps;
        self.tree.init_empty(
            max_depth,
            max_buffer_size,
            &[TREE_AUTHORITY_SEED, tree_key.as_ref(), &[authority_bump]],
        )?;
        let receipt_tree = ReceiptTree {
            tree: tree_key,
            shard: self.shard,
            generation: self.generation,
            max_depth,
            max_buffer_size,
            canopy_depth,
            period_index: 0,
            period_start: clock.unix_timestamp,
            period_first_leaf: 0,
            bump,
            authority_bump,
            padding: [0; 32],
        };
        init_pda_account(
            self.payer,
            self.receipt_tree,
            self.system_program,
            &[
                ReceiptTree::SEED,
                &self.shard.to_le_bytes(),
                &self.generation.to_le_bytes(),
                &[bump],
            ],
            &receipt_tree,
        )?;
        Ok(TreeCreated {
            receipt_tree: self.receipt_tree.key(),
            tree: tree_key,
            shard: self.shard,
            generation: self.generation,
            max_depth,
            max_buffer_size,
            canopy_depth,
            reimbursed: 0,
            slot: clock.slot,
            unix_ts: clock.unix_timestamp,
        })
    }
}
