//! Account types.
#![deny(clippy::arithmetic_side_effects)]

pub mod offer;
pub mod rfp;

pub use offer::*;
pub use rfp::*;
