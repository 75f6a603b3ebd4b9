//! Serde for public keys as base58 strings (`#[serde(with = "crate::b58")]`), and for lists
//! of them (`#[serde(with = "crate::b58::list")]`).
use anchor_lang::prelude::Pubkey;
use serde::{de::Error, Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(key: &Pubkey, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&key.to_string())
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Pubkey, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse()
        .map_err(|_| D::Error::custom(format!("not a base58 public key: {text}")))
}

pub mod list {
    use super::*;
    use serde::Serialize;

    pub fn serialize<S: Serializer>(keys: &[Pubkey], serializer: S) -> Result<S::Ok, S::Error> {
        keys.iter()
            .map(Pubkey::to_string)
            .collect::<Vec<_>>()
            .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Pubkey>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .iter()
            .map(|text| {
                text.parse()
                    .map_err(|_| D::Error::custom(format!("not a base58 public key: {text}")))
            })
            .collect()
    }
}
