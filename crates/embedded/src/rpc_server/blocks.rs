//! Blocks: `getBlock`, `getBlocks`, `getBlocksWithLimit`, `getBlockTime` and the ledger's
//! bounds. A slot becomes a block when the clock leaves it (`serve` ticks every second), so
//! the slot being executed is not available yet (-32004), as on a validator before
//! confirmation; slots a warp skipped hold no block (-32007).
use serde_json::{json, Value};
use solana_rpc_client_api::custom_error::{
    JSON_RPC_SERVER_ERROR_BLOCK_NOT_AVAILABLE, JSON_RPC_SERVER_ERROR_SLOT_SKIPPED,
};
use solana_rpc_client_types::config::RpcBlockConfig;
use solana_transaction_status_client_types::{
    TransactionDetails, UiConfirmedBlock, UiTransactionEncoding,
};

use super::{
    errors::{RpcError, RpcResult},
    history::with_meta,
    params::{config, required},
    Ctx,
};
use crate::index::Block;

/// Widest slot range `getBlocks` answers (the validator's `MAX_GET_CONFIRMED_BLOCKS_RANGE`).
const MAX_BLOCKS_RANGE: u64 = 500_000;

fn slot(params: &Value, index: usize) -> Result<u64, RpcError> {
    required(params, index)?
        .as_u64()
        .ok_or_else(|| RpcError::invalid_params("expected a slot"))
}

/// The sealed block of `slot`, or the validator's error for why there is none.
fn sealed(ctx: &Ctx<'_>, slot: u64) -> Result<Block, RpcError> {
    ctx.chain.block(slot).ok_or_else(|| {
        if slot >= ctx.slot {
            RpcError::server(
                JSON_RPC_SERVER_ERROR_BLOCK_NOT_AVAILABLE,
                format!("Block not available for slot {slot}"),
            )
        } else {
            RpcError::server(
                JSON_RPC_SERVER_ERROR_SLOT_SKIPPED,
                format!(
                    "Slot {slot} was skipped, or missing due to ledger jump to recent snapshot"
                ),
            )
        }
    })
}

pub async fn get_block(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let block = sealed(ctx, slot(params, 0)?)?;
    let cfg: RpcBlockConfig = match params.get(1) {
        Some(Value::String(encoding)) => RpcBlockConfig {
            encoding: serde_json::from_value(json!(encoding)).map_err(RpcError::invalid_params)?,
            ..RpcBlockConfig::default()
        },
        _ => config(params, 1)?,
    };
    let encoding = cfg.encoding.unwrap_or(UiTransactionEncoding::Json);
    let details = cfg.transaction_details.unwrap_or_default();
    let mut ui = UiConfirmedBlock {
        previous_blockhash: block.previous_blockhash.to_string(),
        blockhash: block.blockhash.to_string(),
        parent_slot: block.parent_slot,
        transactions: None,
        signatures: None,
        rewards: cfg.rewards.unwrap_or(true).then(Vec::new),
        num_reward_partitions: None,
        block_time: Some(block.block_time),
        block_height: Some(block.block_height),
    };
    match details {
        TransactionDetails::Full => {
            let mut transactions = Vec::with_capacity(block.signatures.len());
            for signature in &block.signatures {
                if let Some(record) = ctx.chain.transaction_record(signature) {
                    transactions.push(with_meta(
                        ctx,
                        &record,
                        encoding,
                        cfg.max_supported_transaction_version,
                    )?);
                }
            }
            ui.transactions = Some(transactions);
        }
        TransactionDetails::Signatures => {
            ui.signatures = Some(block.signatures.iter().map(ToString::to_string).collect());
        }
        TransactionDetails::None => {}
        TransactionDetails::Accounts => {
            return Err(RpcError::invalid_params(
                "transactionDetails `accounts` is not supported by the embedded chain",
            ))
        }
    }
    Ok(json!(ui))
}

pub async fn get_blocks(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let start = slot(params, 0)?;
    let end = match params.get(1) {
        Some(Value::Number(end)) => end
            .as_u64()
            .ok_or_else(|| RpcError::invalid_params("expected an end slot"))?,
        _ => ctx.slot,
    };
    if end < start {
        return Ok(json!([]));
    }
    if end - start > MAX_BLOCKS_RANGE {
        return Err(RpcError::invalid_params(format!(
            "Slot range too large; max {MAX_BLOCKS_RANGE}"
        )));
    }
    Ok(json!(ctx.chain.block_slots(start..=end, usize::MAX)))
}

pub async fn get_blocks_with_limit(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let start = slot(params, 0)?;
    let limit = slot(params, 1)?;
    if limit > MAX_BLOCKS_RANGE {
        return Err(RpcError::invalid_params(format!(
            "Limit too large; max {MAX_BLOCKS_RANGE}"
        )));
    }
    Ok(json!(ctx
        .chain
        .block_slots(start..=u64::MAX, limit as usize)))
}

pub async fn get_block_time(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    Ok(json!(sealed(ctx, slot(params, 0)?)?.block_time))
}

/// `getFirstAvailableBlock` and `minimumLedgerSlot`: the ledger keeps every block.
pub async fn first_available_block(ctx: &Ctx<'_>) -> RpcResult {
    Ok(json!(ctx
        .chain
        .block_slots(0..=u64::MAX, 1)
        .first()
        .copied()
        .unwrap_or(0)))
}
