//! Receipts off-chain: the JSON form of a receipt, the self-contained receipt file and its
//! offline check, a mirror of a receipt tree that produces proofs, and verifiers that need
//! nothing but the receipt, a proof and the PeriodRoot (or, lacking a proof, the tree's history).
pub mod audit;
pub mod file;
pub mod index;
pub mod json;
pub mod mirror;
pub mod nav;
pub mod shards;
pub mod verify;

pub use json::{LocatedReceipt, ReceiptJson};
pub use mirror::TreeMirror;
pub use verify::{verify_against_period, VerifyError};

#[cfg(test)]
mod tests;
