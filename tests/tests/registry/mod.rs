//! agent_registry suites: one file per instruction group, plus the mutation matrix.
mod agent;
mod attest;
mod config;
mod matrix;
mod outcome;
mod quorum;
mod version;
