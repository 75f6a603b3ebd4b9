//! x402 (HTTP 402 micropayments, version 2) for AgentRunner, with three ways to pay:
//!
//! - SVM `exact` ([`exact`]): one SPL `TransferChecked` the client signs and the facilitator
//!   pays the fee for, interoperable with the reference `@x402/*` packages;
//! - `agentrunner-grant` and `agentrunner-voucher`: from an escrow budget's grant to the vendor,
//!   one redeem per request or cumulative vouchers settled in batches (specified in
//!   `docs/x402/`).
//!
//! Modules: [`wire`] (`PAYMENT-REQUIRED`, `PAYMENT-SIGNATURE`, `PAYMENT-RESPONSE`), [`reason`]
//! (the refusal codes), [`network`] (CAIP-2 ids and the local-cluster label), [`paywall`] (the
//! vendor side: 402s, verification before serving, once-only payments, settlement),
//! [`facilitator`] (`/supported`, `/verify`, `/settle`) and [`client`] (an auto-paying client
//! with a per-request cap and a session cap checked before anything is signed).
pub mod client;
pub mod exact;
pub mod facilitator;
pub mod network;
pub mod paywall;
pub mod reason;
pub mod wire;
