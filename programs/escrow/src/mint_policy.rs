//! Which mints a budget may hold.
//!
//! Decision: reject at `open_budget` every Token-2022 mint extension that could move, freeze,
//! tax or strand escrowed funds, and admit only extensions that change nothing about transfers.
//! Rejecting up front (instead of accounting by received delta) keeps `amount sent == amount
//! received` true for every transfer, so the books and the vault cannot drift, and guarantees the
//! payer's refund path can never be blocked by the mint (docs/SECURITY-TESTPLAN.md E-31..E-35, A-15).
//!
//! Admitted: metadata and group pointers/data, interest-bearing and scaled-UI-amount display
//! configs. Rejected (and anything unknown): transfer fees, transfer hooks, permanent delegate,
//! default account state (frozen), pausable, non-transferable, confidential transfers/mint-burn,
//! mint close authority, CPI guard and memo-transfer (account-side) extensions.
use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
    state::Mint,
};

use crate::error::EscrowError;

/// True for the extensions a budget mint may carry.
pub fn is_admitted(extension: ExtensionType) -> bool {
    matches!(
        extension,
        ExtensionType::MetadataPointer
            | ExtensionType::TokenMetadata
            | ExtensionType::GroupPointer
            | ExtensionType::TokenGroup
            | ExtensionType::GroupMemberPointer
            | ExtensionType::TokenGroupMember
            | ExtensionType::InterestBearingConfig
            | ExtensionType::ScaledUiAmount
    )
}

/// Checks a mint account owned by `token_program`: classic SPL Token mints are always admitted;
/// Token-2022 mints only with admitted extensions.
pub fn require_admitted_mint(mint: &AccountInfo, token_program: &Pubkey) -> Result<()> {
    if *token_program == anchor_spl::token::ID {
        return Ok(());
    }
    require_keys_eq!(
        *token_program,
        anchor_spl::token_2022::ID,
        EscrowError::TokenProgramMismatch
    );
    let data = mint.try_borrow_data()?;
    let state =
        StateWithExtensions::<Mint>::unpack(&data).map_err(|_| EscrowError::UnsupportedMint)?;
    let extensions = state
        .get_extension_types()
        .map_err(|_| EscrowError::UnsupportedMint)?;
    require!(
        extensions.into_iter().all(is_admitted),
        EscrowError::UnsupportedMint
    );
    Ok(())
}
