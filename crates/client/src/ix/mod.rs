//! Pure instruction builders: accounts from the programs' `accounts::*` structs, data from their
//! `instruction::*` structs. Nothing here signs or sends.
pub mod approval;
pub mod escrow;
pub mod market;
pub mod receipts;
pub mod registry;
pub mod runner;
pub mod sim_venue;

use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
    InstructionData, ToAccountMetas,
};

/// Assembles an instruction from Anchor's generated account and data types.
pub(crate) fn build(
    program_id: Pubkey,
    accounts: impl ToAccountMetas,
    data: impl InstructionData,
) -> Instruction {
    Instruction {
        program_id,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// Appends extra accounts (Anchor's `remaining_accounts`) to an instruction.
pub fn with_remaining(
    mut ix: Instruction,
    extra: impl IntoIterator<Item = AccountMeta>,
) -> Instruction {
    ix.accounts.extend(extra);
    ix
}
