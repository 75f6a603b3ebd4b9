//! x402 (HTTP 402 micropayments, version 2) for AgentRunner, with the escrow as the settlement
//! layer:
//!
//! - [`wire`]: `PAYMENT-REQUIRED`, `PAYMENT-SIGNATURE`, `PAYMENT-RESPONSE` (base64 JSON).
//! - [`paywall`]: the vendor side — 402s, verification against chain state before serving,
//!   once-only payments, settlement (grant redeem now; vouchers in batches).
//! - [`client`]: an auto-paying client with a per-request cap and a session cap checked before
//!   anything is signed.
//! - [`facilitator`]: `/supported`, `/verify`, `/settle` for third-party x402 software.
//!
//! The wire structs are written here (the published x402 Rust crates target EVM and SPL
//! `exact` payloads; these schemes are escrow grants and cumulative vouchers).
pub mod client;
pub mod facilitator;
pub mod paywall;
pub mod wire;
