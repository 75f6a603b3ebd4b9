//! x402 "upto" vouchers: what the session key signs, and how the Ed25519 precompile
//! instruction that proves the signature is read back.
//!
//! A voucher says "the budget's session key authorizes paying grant G a cumulative total of C
//! atoms, until T". Its signed message is 32 bytes:
//!
//! ```text
//! sha256( VOUCHER_DOMAIN_TAG            "agentrunner/escrow/voucher/v1" (29 bytes)
//!      || escrow program id             32 bytes
//!      || budget                        32 bytes
//!      || grant                         32 bytes
//!      || grant.issued_slot             u64 little-endian
//!      || vendor payout token account   32 bytes
//!      || cumulative                    u64 little-endian, atoms
//!      || expires_at                    i64 little-endian, unix seconds )
//! ```
//!
//! Settling pays `cumulative - grant.redeemed`, so only the latest voucher per grant ever needs
//! to land, a replayed voucher pays nothing (and is rejected), and a voucher for another budget,
//! grant, vendor, program or cluster deployment fails the message comparison.
//!
//! The runtime verifies the signature before the program runs; the program then checks that the
//! Ed25519 instruction really is the precompile, that the chosen signature's public key, message
//! and signature all live inside that same instruction (all three instruction-index fields are
//! `u16::MAX`, see docs/SECURITY-TESTPLAN.md A-11), and that key and message are the expected ones.
use anchor_lang::prelude::*;

use crate::{constants::VOUCHER_DOMAIN_TAG, error::EscrowError};

/// Size of one signature-offsets entry in the Ed25519 instruction data.
pub const ED25519_OFFSETS_LEN: usize = 14;
/// Offsets table starts after `num_signatures: u8` and one padding byte.
pub const ED25519_HEADER_LEN: usize = 2;
const SIGNATURE_LEN: usize = 64;
const PUBKEY_LEN: usize = 32;

/// The 32-byte message a session key signs for a voucher.
pub fn voucher_message(
    program_id: &Pubkey,
    budget: &Pubkey,
    grant: &Pubkey,
    grant_issued_slot: u64,
    vendor: &Pubkey,
    cumulative: u64,
    expires_at: i64,
) -> [u8; 32] {
    solana_sha256_hasher::hashv(&[
        VOUCHER_DOMAIN_TAG,
        program_id.as_ref(),
        budget.as_ref(),
        grant.as_ref(),
        &grant_issued_slot.to_le_bytes(),
        vendor.as_ref(),
        &cumulative.to_le_bytes(),
        &expires_at.to_le_bytes(),
    ])
    .to_bytes()
}

/// One signature inside an Ed25519 precompile instruction.
#[derive(Debug, PartialEq, Eq)]
pub struct Ed25519Signature<'a> {
    pub pubkey: Pubkey,
    pub message: &'a [u8],
}

fn read_u16(data: &[u8], at: usize) -> Result<u16> {
    let bytes = data
        .get(at..at.saturating_add(2))
        .ok_or(EscrowError::MalformedEd25519Instruction)?;
    Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
}

fn slice(data: &[u8], offset: u16, len: usize) -> Result<&[u8]> {
    let start = usize::from(offset);
    data.get(start..start.saturating_add(len))
        .ok_or_else(|| error!(EscrowError::MalformedEd25519Instruction))
}

/// Reads signature `index` of an Ed25519 precompile instruction's data, requiring its public
/// key, signature and message to be inline in this same instruction.
pub fn parse_ed25519_signature(data: &[u8], index: u8) -> Result<Ed25519Signature<'_>> {
    let count = *data
        .first()
        .ok_or(EscrowError::MalformedEd25519Instruction)?;
    require!(index < count, EscrowError::MalformedEd25519Instruction);
    let entry =
        ED25519_HEADER_LEN.saturating_add(usize::from(index).saturating_mul(ED25519_OFFSETS_LEN));
    let field = |n: usize| read_u16(data, entry.saturating_add(n.saturating_mul(2)));
    let (signature_offset, signature_ix) = (field(0)?, field(1)?);
    let (pubkey_offset, pubkey_ix) = (field(2)?, field(3)?);
    let (message_offset, message_len, message_ix) = (field(4)?, field(5)?, field(6)?);
    require!(
        signature_ix == u16::MAX && pubkey_ix == u16::MAX && message_ix == u16::MAX,
        EscrowError::Ed25519DataNotInline
    );
    slice(data, signature_offset, SIGNATURE_LEN)?;
    let pubkey = slice(data, pubkey_offset, PUBKEY_LEN)?;
    let message = slice(data, message_offset, usize::from(message_len))?;
    Ok(Ed25519Signature {
        pubkey: Pubkey::try_from(pubkey).map_err(|_| EscrowError::MalformedEd25519Instruction)?,
        message,
    })
}

#[cfg(test)]
mod tests;
