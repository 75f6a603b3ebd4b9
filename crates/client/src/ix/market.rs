//! `market` instruction builders.
use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
    system_program,
};
use market::{accounts as acc, instruction as data, instructions::*};

use super::{build, with_remaining};
use crate::pda;

fn event_authority() -> Pubkey {
    pda::event_authority(&market::ID).0
}

/// An agent with the version it bids or is awarded with.
#[derive(Clone, Copy, Debug)]
pub struct Bidder {
    pub agent: Pubkey,
    pub version: Pubkey,
}

impl Bidder {
    fn accounts(&self) -> acc::CertifiedAgent {
        acc::CertifiedAgent {
            agent: self.agent,
            version: self.version,
        }
    }
}

/// `open_rfp` (requester signs and pays rent).
pub fn open_rfp(requester: &Pubkey, args: OpenRfpArgs) -> Instruction {
    build(
        market::ID,
        acc::OpenRfp {
            rfp: pda::rfp(requester, &args.plan, args.step).0,
            requester: *requester,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::OpenRfp { args },
    )
}

/// `cancel_rfp` (requester).
pub fn cancel_rfp(rfp: &Pubkey, requester: &Pubkey) -> Instruction {
    build(
        market::ID,
        acc::CancelRfp {
            rfp: *rfp,
            requester: *requester,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::CancelRfp {},
    )
}

/// `submit_offer` (the agent's owner signs and pays rent).
pub fn submit_offer(
    rfp: &Pubkey,
    bidder: Bidder,
    vendor: &Pubkey,
    terms: OfferTerms,
) -> Instruction {
    build(
        market::ID,
        acc::SubmitOffer {
            rfp: *rfp,
            bidder: bidder.accounts(),
            offer: pda::offer(rfp, &bidder.agent).0,
            vendor: *vendor,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::SubmitOffer { terms },
    )
}

/// `update_offer` (vendor).
pub fn update_offer(
    rfp: &Pubkey,
    offer: &Pubkey,
    vendor: &Pubkey,
    terms: OfferTerms,
) -> Instruction {
    build(
        market::ID,
        acc::UpdateOffer {
            rfp: *rfp,
            offer: *offer,
            vendor: *vendor,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::UpdateOffer { terms },
    )
}

/// `withdraw_offer` (vendor).
pub fn withdraw_offer(rfp: &Pubkey, offer: &Pubkey, vendor: &Pubkey) -> Instruction {
    build(
        market::ID,
        acc::WithdrawOffer {
            rfp: *rfp,
            offer: *offer,
            vendor: *vendor,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::WithdrawOffer {},
    )
}

/// `award` (requester), accepting `expected_price` at `expected_version`.
pub fn award(
    rfp: &Pubkey,
    offer: &Pubkey,
    bidder: Bidder,
    requester: &Pubkey,
    args: AwardArgs,
) -> Instruction {
    build(
        market::ID,
        acc::AwardOffer {
            rfp: *rfp,
            offer: *offer,
            bidder: bidder.accounts(),
            requester: *requester,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::Award { args },
    )
}

/// `award_best` (anyone): every live offer with its agent and version, in any order.
pub fn award_best(rfp: &Pubkey, caller: &Pubkey, candidates: &[(Pubkey, Bidder)]) -> Instruction {
    let ix = build(
        market::ID,
        acc::AwardBest {
            rfp: *rfp,
            caller: *caller,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::AwardBest {},
    );
    with_remaining(
        ix,
        candidates.iter().flat_map(|(offer, bidder)| {
            [
                AccountMeta::new_readonly(*offer, false),
                AccountMeta::new_readonly(bidder.agent, false),
                AccountMeta::new_readonly(bidder.version, false),
            ]
        }),
    )
}

/// `close_offer` (anyone; rent to the vendor).
pub fn close_offer(rfp: &Pubkey, offer: &Pubkey, vendor: &Pubkey) -> Instruction {
    build(
        market::ID,
        acc::CloseOffer {
            rfp: *rfp,
            offer: *offer,
            vendor: *vendor,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::CloseOffer {},
    )
}

/// `close_rfp` (anyone; rent to the requester).
pub fn close_rfp(rfp: &Pubkey, requester: &Pubkey) -> Instruction {
    build(
        market::ID,
        acc::CloseRfp {
            rfp: *rfp,
            requester: *requester,
            event_authority: event_authority(),
            program: market::ID,
        },
        data::CloseRfp {},
    )
}
