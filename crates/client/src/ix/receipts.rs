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
            receipt_tree: pda::receipt_tree(args.shard).0,
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

/// `append_receipt` to shard `shard` (whose tree is `tree`), signed by `writer`.
pub fn append_receipt(shard: u16, tree: &Pubkey, writer: &Pubkey, receipt: Receipt) -> Instruction {
    build(
        receipts::ID,
        acc::AppendReceipt {
            config: pda::receipts_config().0,
            receipt_tree: pda::receipt_tree(shard).0,
            tree: *tree,
            tree_authority: pda::tree_authority(tree).0,
            writer: *writer,
            noop: NOOP_PROGRAM_ID,
            compression_program: COMPRESSION_PROGRAM_ID,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::AppendReceipt { receipt },
    )
}

/// `anchor_period` for shard `shard` at its next period index (anyone; `payer` pays rent).
pub fn anchor_period(shard: u16, tree: &Pubkey, period_index: u64, payer: &Pubkey) -> Instruction {
    build(
        receipts::ID,
        acc::AnchorPeriod {
            config: pda::receipts_config().0,
            receipt_tree: pda::receipt_tree(shard).0,
            tree: *tree,
            period_root: pda::period_root(tree, period_index).0,
            payer: *payer,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: receipts::ID,
        },
        data::AnchorPeriod {},
    )
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

/// `verify_receipt_live` against the live tree, proof nodes as account keys (anyone).
pub fn verify_receipt_live(
    shard: u16,
    tree: &Pubkey,
    proof: &[[u8; 32]],
    args: VerifyReceiptLiveArgs,
) -> Instruction {
    let ix = build(
        receipts::ID,
        acc::VerifyReceiptLive {
            receipt_tree: pda::receipt_tree(shard).0,
            tree: *tree,
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
