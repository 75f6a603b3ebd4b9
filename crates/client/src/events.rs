//! Decoding Anchor `emit_cpi!` events from a transaction's inner instructions.
//!
//! An event counts only if it is a self-invocation of `program_id`, signed by that program's
//! event-authority PDA (its only account), and starts with Anchor's event tag followed by the
//! event's discriminator. Anything else (a foreign program CPI-ing receipt-shaped bytes, a
//! right-program instruction without the tag) is ignored; see SECURITY-TESTPLAN M-07 and K-10.
use anchor_lang::{
    event::EVENT_IX_TAG_LE, prelude::Pubkey, AnchorDeserialize, Discriminator, Event,
};

use crate::pda;

/// Decodes `data` as event `T` if this inner instruction is a genuine `emit_cpi!` of `program_id`.
pub fn decode_event<T: Event + Discriminator + AnchorDeserialize>(
    program_id: &Pubkey,
    invoked_program: &Pubkey,
    accounts: &[Pubkey],
    data: &[u8],
) -> Option<T> {
    if invoked_program != program_id || accounts != [pda::event_authority(program_id).0] {
        return None;
    }
    let body = data.strip_prefix(EVENT_IX_TAG_LE)?;
    let payload = body.strip_prefix(T::DISCRIMINATOR)?;
    T::try_from_slice(payload).ok()
}
