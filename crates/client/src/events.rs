//! Decoding Anchor `emit_cpi!` events from a transaction's inner instructions.
//!
//! An event counts only if it is a self-invocation of `program_id`, signed by that program's
//! event-authority PDA (its only account), and starts with Anchor's event tag followed by the
//! event's discriminator. Anything else (a foreign program CPI-ing receipt-shaped bytes, a
//! right-program instruction without the tag) is ignored; see docs/SECURITY-TESTPLAN.md M-07 and K-10.
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

/// The inner-instruction data `emit_cpi!` gives `event`: the event-instruction tag, then the
/// event's discriminator and borsh encoding (what [`decode_event`] reads back).
pub fn event_cpi_data<T: Event>(event: &T) -> Vec<u8> {
    [EVENT_IX_TAG_LE, &event.data()].concat()
}

#[cfg(test)]
mod tests {
    use receipts::events::PeriodAnchored;

    use super::*;

    fn genuine() -> (Pubkey, Vec<Pubkey>, Vec<u8>) {
        let event = PeriodAnchored {
            period_root: Pubkey::new_unique(),
            tree: Pubkey::new_unique(),
            shard: 0,
            index: 3,
            start: 1,
            end: 2,
            root: [9; 32],
            first_leaf: 0,
            leaf_count: 4,
            slot: 5,
            unix_ts: 6,
        };
        (
            receipts::ID,
            vec![pda::event_authority(&receipts::ID).0],
            event_cpi_data(&event),
        )
    }

    /// docs/SECURITY-TESTPLAN.md M-07 / K-10: only a genuine self-CPI of the program counts.
    #[test]
    fn forged_events_are_ignored() {
        let (program, accounts, data) = genuine();
        let decode = |p: &Pubkey, a: &[Pubkey], d: &[u8]| {
            decode_event::<PeriodAnchored>(&receipts::ID, p, a, d)
        };
        assert_eq!(decode(&program, &accounts, &data).map(|e| e.index), Some(3));
        // The same bytes CPI'd into another program (e.g. a noop by an attacker's program).
        assert!(decode(&receipts::constants::NOOP_PROGRAM_ID, &accounts, &data).is_none());
        // Right program, but not signed by its event authority.
        assert!(decode(&program, &[Pubkey::new_unique()], &data).is_none());
        assert!(decode(&program, &[], &data).is_none());
        // Right program and authority, but an instruction that is not an event.
        assert!(decode(&program, &accounts, &data[8..]).is_none());
        // Another event's discriminator.
        let mut other = data.clone();
        other[8] ^= 1;
        assert!(decode(&program, &accounts, &other).is_none());
    }
}
