//! Account types.
#![deny(clippy::arithmetic_side_effects)]

pub mod config;
pub mod period_root;
pub mod receipt_tree;

pub use config::*;
pub use period_root::*;
pub use receipt_tree::*;
