//! The embedded chain: a real Solana bank (solana-program-test) running in this process, with
//! every AgentRunner program, mpl-account-compression and mpl-noop loaded natively, and SPL
//! Token, Token-2022 and the ATA program executed from their SBF binaries by the real VM.
//!
//! It is the backend of the tests, the demo and the keepers in embedded mode. Programs are listed
//! once, in [`programs::native_programs`]; adding one is a one-line change there.
//!
//! Time has one model: a slot lasts [`MS_PER_SLOT`] ms. [`EmbeddedChain::warp_seconds`] moves the
//! unix clock and the slot together; [`EmbeddedChain::warp_slots`] moves the slot and the clock by
//! the same model.
// solana-program-test 3.1 marks its whole API "Agave Unstable" (deprecated without the
// `agave-unstable-api` feature, which only exists from 4.0). 3.1.12 is pinned; 4.x needs a newer
// rustc than the machines have (ARCHITECTURE.md, "Verified stack").
#![allow(deprecated)]

pub mod backend;
pub mod balances;
pub mod chain;
pub mod events;
pub mod index;
pub mod localnet;
pub mod logs;
mod lookup;
pub mod oracle;
pub mod programs;
mod reads;
pub mod refusals;
pub mod rpc_server;
pub mod scenario;
mod simulations;
pub mod token;
pub mod watchdog;

pub use chain::{ChainError, CpiRecord, EmbeddedChain, TracedOutcome, TxOutcome, PACKET_DATA_SIZE};
pub use oracle::{PythPrice, SwitchboardFeed};

/// Milliseconds per slot in the embedded chain's time model (Solana's target).
pub const MS_PER_SLOT: u64 = 400;
