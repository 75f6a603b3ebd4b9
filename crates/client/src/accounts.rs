//! Decoding Anchor accounts (discriminator checked) from raw account data.
use anchor_lang::{prelude::Pubkey, AccountDeserialize};

use crate::{ClientError, ClientResult};

/// Decodes `data` as the Anchor account `T`, checking its 8-byte discriminator.
pub fn decode<T: AccountDeserialize>(address: &Pubkey, data: &[u8]) -> ClientResult<T> {
    let mut slice = data;
    T::try_deserialize(&mut slice).map_err(|err| ClientError::Decode {
        address: *address,
        expected: std::any::type_name::<T>(),
        reason: err.to_string(),
    })
}
