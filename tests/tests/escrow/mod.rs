//! escrow suites: one file per instruction group, the mint policy, the mutation matrix and the
//! randomized invariant run.
mod budget;
mod coverage;
mod grant;
mod invariants;
mod matrix;
mod mint_policy;
mod redeem;
mod refund_close;
mod voucher;
