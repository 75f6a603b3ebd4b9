//! `receipts` instruction builders.
use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
    system_program,
};
use receipts::{
    accounts as acc,
    constants::{COMPRESSION_PROGRAM_ID, NOOP_PROGRAM_ID},
    instruction as data,
    instructions::*,
    merkle::tree_account_len,
    Receipt,
};

use super::{build, with_remaining};
use crate::pda;

fn event_authority() -> Pubkey {
    pda::event_authority(&receipts::ID).0
}

/// `init_config`: `admin` must be the program's upgrade authority.
pub fn init_config(admin: &Pubkey, args: InitConfigArgs) -> Instruction {
    build(
        receipts::ID,
        acc::InitConfig {
            config: pda::receipts_config().0,
            admin: *admin,
            program_data: pda::program_data(&receipts::ID),
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::InitConfig { args },
    )
}

/// `set_writers` (admin).
pub fn set_writers(admin: &Pubkey, writers: Vec<Pubkey>) -> Instruction {
    build(
        receipts::ID,
        acc::SetWriters {
            config: pda::receipts_config().0,
            admin: *admin,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::SetWriters {
            args: SetWritersArgs { writers },
        },
    )
}

/// The two instructions creating shard `args.shard`: allocate the tree account (the `tree`
/// keypair signs; `rent_lamports` for its size, see [`tree_size`]) and initialize it.
pub fn create_tree(
    admin: &Pubkey,
    tree: &Pubkey,
    rent_lamports: u64,
    args: CreateTreeArgs,
) -> [Instruction; 2] {
    let size = tree_size(&args);
    let allocate = solana_system_interface::instruction::create_account(
        admin,
        tree,
        rent_lamports,
        size as u64,
        &COMPRESSION_PROGRAM_ID,
    );
    let init = build(
        receipts::ID,
        acc::CreateTree {
            config: pda::receipts_config().0,
            shard: pda::shard(args.shard).0,
            receipt_tree: pda::receipt_tree(args.shard, 0).0,
            tree: *tree,
            tree_authority: pda::tree_authority(tree).0,
            admin: *admin,
            noop: NOOP_PROGRAM_ID,
            compression_program: COMPRESSION_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::CreateTree { args },
    );
    [allocate, init]
}

/// Bytes of a tree account of this shape.
///
/// # Panics
/// On a shape mpl-account-compression does not support.
pub fn tree_size(args: &CreateTreeArgs) -> usize {
    tree_account_len(args.max_depth, args.max_buffer_size, args.canopy_depth)
        .expect("supported tree shape")
}

/// One tree generation of a shard, as the instructions that use it name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeRef {
    pub shard: u16,
    /// 0 for the shard's first tree; see `receipts::state::Shard`.
    pub generation: u32,
    /// The mpl-account-compression tree account.
    pub tree: Pubkey,
}

impl TreeRef {
    /// Generation 0 of `shard`, the tree the admin created with it.
    pub fn first(shard: u16, tree: &Pubkey) -> Self {
        Self {
            shard,
            generation: 0,
            tree: *tree,
        }
    }

    /// The generation's `ReceiptTree` account.
    pub fn receipt_tree(&self) -> Pubkey {
        pda::receipt_tree(self.shard, self.generation).0
    }

    /// The tree's authority PDA.
    pub fn authority(&self) -> Pubkey {
        pda::tree_authority(&self.tree).0
    }
}

/// `append_receipt` to the generation `t`, signed by `writer`, who also pays the leaf's deposit
/// (the runner's CPI passes the executing vendor instead).
pub fn append_receipt(t: &TreeRef, writer: &Pubkey, receipt: Receipt) -> Instruction {
    build(
        receipts::ID,
        acc::AppendReceipt {
            config: pda::receipts_config().0,
            receipt_tree: t.receipt_tree(),
            tree: t.tree,
            shard: pda::shard(t.shard).0,
            tree_authority: t.authority(),
            writer: *writer,
            rent_payer: *writer,
            noop: NOOP_PROGRAM_ID,
            compression_program: COMPRESSION_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::AppendReceipt { receipt },
    )
}

/// `anchor_period` for the generation `t` at its next period index (anyone; `payer` pays rent).
pub fn anchor_period(t: &TreeRef, period_index: u64, payer: &Pubkey) -> Instruction {
    build(
        receipts::ID,
        acc::AnchorPeriod {
            config: pda::receipts_config().0,
            receipt_tree: t.receipt_tree(),
            tree: t.tree,
            period_root: pda::period_root(&t.tree, period_index).0,
            payer: *payer,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::AnchorPeriod {},
    )
}

/// The two instructions opening the shard's next generation after `newest` (`generations` so
/// far): allocate the new tree account (the `tree` keypair signs, `rent_lamports` for its size:
/// `tree_size` of the newest's shape without canopy) and provision it. Anyone may send them once
/// the newest tree is half full; `payer` pays.
pub fn provision_tree(
    newest: &TreeRef,
    newest_shape: (u32, u32),
    tree: &Pubkey,
    payer: &Pubkey,
    rent_lamports: u64,
) -> [Instruction; 2] {
    let (max_depth, max_buffer_size) = newest_shape;
    let size = tree_account_len(max_depth, max_buffer_size, 0).expect("supported tree shape");
    let allocate = solana_system_interface::instruction::create_account(
        payer,
        tree,
        rent_lamports,
        size as u64,
        &COMPRESSION_PROGRAM_ID,
    );
    let provision = build(
        receipts::ID,
        acc::ProvisionTree {
            shard: pda::shard(newest.shard).0,
            newest: newest.receipt_tree(),
            newest_tree: newest.tree,
            receipt_tree: pda::receipt_tree(newest.shard, newest.generation + 1).0,
            tree: *tree,
            tree_authority: pda::tree_authority(tree).0,
            payer: *payer,
            noop: NOOP_PROGRAM_ID,
            compression_program: COMPRESSION_PROGRAM_ID,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::ProvisionTree {},
    );
    [allocate, provision]
}

/// `verify_receipt` against a PeriodRoot (anyone).
pub fn verify_receipt(period_root: &Pubkey, args: VerifyReceiptArgs) -> Instruction {
    build(
        receipts::ID,
        acc::VerifyReceipt {
            period_root: *period_root,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::VerifyReceipt { args },
    )
}

/// `verify_receipt_live` against the live tree of generation `t`, proof nodes as account keys
/// (anyone).
pub fn verify_receipt_live(
    t: &TreeRef,
    proof: &[[u8; 32]],
    args: VerifyReceiptLiveArgs,
) -> Instruction {
    let ix = build(
        receipts::ID,
        acc::VerifyReceiptLive {
            receipt_tree: t.receipt_tree(),
            tree: t.tree,
            compression_program: COMPRESSION_PROGRAM_ID,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::VerifyReceiptLive { args },
    );
    with_remaining(
        ix,
        proof
            .iter()
            .map(|node| AccountMeta::new_readonly(Pubkey::new_from_array(*node), false)),
    )
}
