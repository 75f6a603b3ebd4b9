//! Keepers end to end on the embedded chain: the certifier's sandbox verdicts, the broker's
//! guard discipline, the planner's flow, idempotency under injected faults.
mod certifier;
mod idempotency;
mod journey;
mod rpc;
