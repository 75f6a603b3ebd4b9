//! Account types. Money math lives here as pure methods, unit-tested next to the types.
#![deny(clippy::arithmetic_side_effects)]

pub mod budget;
pub mod grant;

pub use budget::*;
pub use grant::*;

#[cfg(test)]
mod tests;
