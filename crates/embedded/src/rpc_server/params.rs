//! Reading a request's positional parameters: keys, signatures and config objects, each a
//! typed `Invalid params` error when malformed.
use anchor_lang::prelude::Pubkey;
use serde::de::DeserializeOwned;
use serde_json::Value;
use solana_signature::Signature;

use super::errors::RpcError;

/// Parameter `index`, which must be present.
pub fn required(params: &Value, index: usize) -> Result<&Value, RpcError> {
    params
        .get(index)
        .filter(|v| !v.is_null())
        .ok_or_else(|| RpcError::invalid_params(format!("missing parameter {index}")))
}

/// The config object at `index`, or its default when absent or null.
pub fn config<T: DeserializeOwned + Default>(params: &Value, index: usize) -> Result<T, RpcError> {
    match params.get(index) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(value) => serde_json::from_value(value.clone()).map_err(RpcError::invalid_params),
    }
}

/// A typed parameter that must be present.
pub fn typed<T: DeserializeOwned>(params: &Value, index: usize) -> Result<T, RpcError> {
    serde_json::from_value(required(params, index)?.clone()).map_err(RpcError::invalid_params)
}

pub fn pubkey(value: &Value) -> Result<Pubkey, RpcError> {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| RpcError::invalid_params("Invalid param: WrongSize"))
}

pub fn signature(value: &Value) -> Result<Signature, RpcError> {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| RpcError::invalid_params("Invalid param: WrongSize"))
}
