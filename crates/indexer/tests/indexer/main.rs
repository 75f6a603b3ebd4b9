//! The receipts indexer against the embedded chain served over JSON-RPC, on SQLite and on a real
//! PostgreSQL server: following every tree (forged events ignored, roots checked against the
//! chain), resuming after kill -9 at random points with exactly the chain's leaves, and every
//! route of the receipts API.
mod api;
mod follow;
mod kill;
mod world;
