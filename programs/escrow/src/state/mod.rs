//! Account types. Money math lives here as pure methods, unit-tested next to the types.
#![deny(clippy::arithmetic_side_effects)]

pub mod budget;
pub mod grant;
pub mod grant_counter;

pub use budget::*;
pub use grant::*;
pub use grant_counter::*;

#[cfg(test)]
mod tests;
