//! Receipts off-chain: the JSON form of a receipt, a mirror of a receipt tree that produces
//! proofs, and a verifier that needs nothing but the receipt, a proof and the PeriodRoot.
pub mod index;
pub mod json;
pub mod mirror;
pub mod shards;
pub mod verify;

pub use json::{LocatedReceipt, ReceiptJson};
pub use mirror::TreeMirror;
pub use verify::{verify_against_period, VerifyError};

#[cfg(test)]
mod tests;
