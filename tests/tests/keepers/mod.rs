//! Keepers end to end on the embedded chain: the certifier's sandbox verdicts, the broker's
//! guard discipline, the planner's flow, idempotency under injected faults, lagging nodes.
mod certifier;
mod conditions;
mod coverage;
mod dry_run;
mod failover;
mod idempotency;
mod journey;
mod liquidity;
mod routes;
mod rpc;
mod settle;
mod status;
