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

/// The amount, in atoms, an SPL Token (or Token-2022) account's data holds (bytes 64..72);
/// None when the data is too short to be a token account.
pub fn token_amount(data: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(64..72)?.try_into().ok()?))
}

/// Where `payer`'s next escrow budget starts its grant indices (0 before its first budget): the
/// index of that budget's first grant.
pub async fn next_grant_base<C: crate::chain::Chain>(
    chain: &C,
    payer: &Pubkey,
) -> ClientResult<u32> {
    let address = crate::pda::grant_counter(payer).0;
    Ok(match chain.account(&address).await? {
        Some(account) => decode::<escrow::state::GrantCounter>(&address, &account.data)?.next_base,
        None => 0,
    })
}
