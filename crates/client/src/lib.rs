//! The one library keepers, the CLI, the demo and the tests use to talk to AgentRunner's
//! programs.
//!
//! - [`pda`]: every program-derived address, built from the programs' own seed constants.
//! - [`ix`]: pure instruction builders, one function per instruction; they never send.
//! - [`flows`]: the plan lifecycle — the read model of a plan and the owner's and planner's
//!   verbs (draft, award, approve, settle) as builders that never send.
//! - [`plan`]: goals in words to a canonical, hashed PlanGraph (and `create_plan` arguments).
//! - [`accounts`]: decoding Anchor accounts from raw account data.
//! - [`chain`]: the [`chain::Chain`] trait every backend implements; [`send`]: landing a
//!   transaction exactly once (simulate, journal, rebroadcast, re-sign only after expiry).
//!
//! ```
//! use agentrunner_client::{ix, pda};
//! use anchor_lang::prelude::Pubkey;
//!
//! let owner = Pubkey::new_unique();
//! let agent = pda::agent(&owner, "FastRoute").0;
//! let ix = ix::registry::set_status(&agent, &owner, agent_registry::instructions::TargetStatus::Paused);
//! assert_eq!(ix.program_id, agent_registry::ID);
//! assert_eq!(ix.accounts[1].pubkey, agent);
//! ```
pub mod accounts;
pub mod b58;
pub mod chain;
pub mod conditions;
pub mod deployment;
pub mod error;
pub mod errors;
pub mod events;
pub mod failover;
pub mod flows;
pub mod ix;
pub mod keys;
pub mod legs;
pub mod pda;
pub mod pinned;
pub mod plan;
pub mod pools;
pub mod prefetch;
pub mod priority;
pub mod receipts;
pub mod rpc;
pub mod send;
pub mod units;
pub mod voucher;

pub use error::{ClientError, ClientResult};
