//! Account types.
#![deny(clippy::arithmetic_side_effects)]

pub mod plan;

pub use plan::*;

#[cfg(test)]
mod tests;
