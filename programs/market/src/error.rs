//! Market errors (6200-6299). Append only; never renumber.
use anchor_lang::prelude::*;

#[error_code(offset = 6200)]
pub enum MarketError {
    /// 6200
    #[msg("Unauthorized: only the RFP's requester may do this")]
    Unauthorized,
    /// 6201
    #[msg("Not the vendor: the signer must own the offer's agent")]
    NotVendor,
    /// 6202
    #[msg("RFP not open: it was awarded or cancelled")]
    RfpNotOpen,
    /// 6203
    #[msg("Bid deadline passed: offers are accepted only while now < bid_deadline")]
    BidDeadlinePassed,
    /// 6204
    #[msg("Bidding still open: award_best runs only once now >= bid_deadline")]
    BiddingStillOpen,
    /// 6205
    #[msg("RFP expired: now >= execution_deadline")]
    RfpExpired,
    /// 6206
    #[msg("Invalid deadlines: need now < bid_deadline <= execution_deadline <= now + 30 days")]
    InvalidDeadlines,
    /// 6207
    #[msg("Invalid price: need 0 < price <= the RFP's max_price")]
    InvalidPrice,
    /// 6208
    #[msg("Invalid RFP terms: max_price > 0, capability bits known and non-zero, guard bits known, bps <= 10000")]
    InvalidTerms,
    /// 6209
    #[msg("Invalid offer terms: success_rate_bps <= 10000, guard bits known, expires_at > now")]
    InvalidOfferTerms,
    /// 6210
    #[msg("Too many offers: at most MAX_OFFERS_PER_RFP (8) live offers")]
    TooManyOffers,
    /// 6211
    #[msg("Offer changed: price or version differ from what the requester accepted")]
    OfferChanged,
    /// 6212
    #[msg("Offer expired: now >= offer expires_at")]
    OfferExpired,
    /// 6213
    #[msg("Offer of another RFP")]
    OfferRfpMismatch,
    /// 6214
    #[msg("Offer count mismatch: award_best needs every live offer exactly once")]
    OfferCountMismatch,
    /// 6215
    #[msg("Duplicate offer in award_best's accounts")]
    DuplicateOffer,
    /// 6216
    #[msg("Invalid candidate account: wrong owner, type, PDA, or agent/version not matching the offer")]
    InvalidCandidate,
    /// 6217
    #[msg("No eligible offer: every live offer is expired or its agent is no longer certified")]
    NoEligibleOffer,
    /// 6218
    #[msg("Offer still open for award: close it after the RFP is awarded, cancelled or expired, or after the offer expires")]
    OfferStillLive,
    /// 6219
    #[msg("RFP still live: close it once cancelled or past its execution deadline, with every offer closed")]
    RfpStillLive,
    /// 6220
    #[msg("Awarded offer cannot be withdrawn")]
    OfferAwarded,
    /// 6221
    #[msg("Rent receiver mismatch: rent returns only to the account that paid it")]
    RentReceiverMismatch,
    /// 6222
    #[msg("Agent mismatch: the agent or version is not the offer's")]
    AgentMismatch,
    /// 6223
    #[msg("Stale candidate version: the version account must be the agent's current version")]
    StaleCandidateVersion,
    /// 6224
    #[msg("RFP full: at most 8 live offers; a new offer may enter only by evicting a named live offer that is expired, no longer eligible, or of lower utility")]
    RfpFull,
    /// 6225
    #[msg("Not evictable: the named offer is eligible and its utility is not lower than the new offer's")]
    NotEvictable,
    /// 6226
    #[msg("Guards not certified: an offer may declare only guard families its agent's version is certified for")]
    GuardsNotCertified,
    /// 6227
    #[msg("Unexpected accounts: this instruction takes no remaining accounts here")]
    UnexpectedAccounts,
}
