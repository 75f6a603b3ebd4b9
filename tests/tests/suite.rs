//! One integration-test binary for every program suite (one link, one chain type).
mod cluster;
mod escrow;
mod keepers;
mod market;
mod model;
mod receipts;
mod registry;
mod runner;
mod sim_venue;
mod x402;
