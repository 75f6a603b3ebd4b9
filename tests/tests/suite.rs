//! One integration-test binary for every program suite (one link, one chain type).
mod escrow;
mod market;
mod receipts;
mod registry;
mod runner;
mod sim_venue;
