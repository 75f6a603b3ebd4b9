//! runner: guarded execution end to end (docs/SECURITY-TESTPLAN.md §5.2, G-01..G-11, T-01..T-04, N-01..N-04).
mod adversary_custody;
mod adversary_market;
mod approval;
mod custody;
mod execute;
mod guards;
mod lifecycle;
mod liquidity;
mod matrix;
mod nav;
mod triggers;
