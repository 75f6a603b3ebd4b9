//! The method table: every JSON-RPC method the local cluster answers, and the cluster-wide
//! reads (slot, blockhash, health, version, rent, epoch, priority fees).
use serde_json::{json, Value};
use solana_rpc_client_types::response::{RpcBlockhash, RpcPrioritizationFee};
use solana_signer::Signer;

use super::{
    accounts, blocks,
    errors::{RpcError, RpcResult},
    history,
    params::required,
    transactions, Ctx,
};
use crate::EmbeddedChain;

/// Every method served, in the order the README lists them.
pub const METHODS: &[&str] = &[
    "getAccountInfo",
    "getBalance",
    "getBlock",
    "getBlockHeight",
    "getBlockTime",
    "getBlocks",
    "getBlocksWithLimit",
    "getEpochInfo",
    "getFeeForMessage",
    "getFirstAvailableBlock",
    "getGenesisHash",
    "getHealth",
    "getIdentity",
    "getLatestBlockhash",
    "getMaxRetransmitSlot",
    "getMaxShredInsertSlot",
    "getMinimumBalanceForRentExemption",
    "getMultipleAccounts",
    "getProgramAccounts",
    "getRecentPrioritizationFees",
    "getSignatureStatuses",
    "getSignaturesForAddress",
    "getSlot",
    "getTokenAccountBalance",
    "getTokenAccountsByOwner",
    "getTokenLargestAccounts",
    "getTokenSupply",
    "getTransaction",
    "getTransactionCount",
    "getVersion",
    "isBlockhashValid",
    "minimumLedgerSlot",
    "requestAirdrop",
    "sendTransaction",
    "simulateTransaction",
];

/// Solana version the local cluster reports (that of the bank it embeds).
pub const SOLANA_CORE: &str = "3.1.12";
/// Slots per epoch of the embedded bank's genesis (agave's default).
const SLOTS_PER_EPOCH: u64 = 432_000;

/// Answers one method call.
pub async fn dispatch(chain: &EmbeddedChain, method: &str, params: &Value) -> RpcResult {
    if !params.is_array() && !params.is_null() {
        return Err(RpcError::invalid_params("params must be an array"));
    }
    let clock = chain.clock().await.map_err(RpcError::internal)?;
    let ctx = Ctx {
        chain,
        slot: clock.slot,
    };
    let ctx = &ctx;
    match method {
        "getAccountInfo" => accounts::get_account_info(ctx, params).await,
        "getBalance" => accounts::get_balance(ctx, params).await,
        "getMultipleAccounts" => accounts::get_multiple_accounts(ctx, params).await,
        "getProgramAccounts" => accounts::get_program_accounts(ctx, params).await,
        "getTokenAccountBalance" => accounts::get_token_account_balance(ctx, params).await,
        "getTokenAccountsByOwner" => accounts::get_token_accounts_by_owner(ctx, params).await,
        "getTokenLargestAccounts" => accounts::get_token_largest_accounts(ctx, params).await,
        "getTokenSupply" => accounts::get_token_supply(ctx, params).await,
        "sendTransaction" => transactions::send_transaction(ctx, params).await,
        "simulateTransaction" => transactions::simulate_transaction(ctx, params).await,
        "getSignatureStatuses" => transactions::get_signature_statuses(ctx, params).await,
        "getFeeForMessage" => transactions::get_fee_for_message(ctx, params).await,
        "isBlockhashValid" => transactions::is_blockhash_valid(ctx, params).await,
        "requestAirdrop" => transactions::request_airdrop(ctx, params).await,
        "getTransaction" => history::get_transaction(ctx, params).await,
        "getSignaturesForAddress" => history::get_signatures_for_address(ctx, params).await,
        "getBlock" => blocks::get_block(ctx, params).await,
        "getBlocks" => blocks::get_blocks(ctx, params).await,
        "getBlocksWithLimit" => blocks::get_blocks_with_limit(ctx, params).await,
        "getBlockTime" => blocks::get_block_time(ctx, params).await,
        "getFirstAvailableBlock" | "minimumLedgerSlot" => blocks::first_available_block(ctx).await,
        "getTransactionCount" => Ok(json!(chain.transaction_count())),
        "getMaxRetransmitSlot" | "getMaxShredInsertSlot" => Ok(json!(clock.slot)),
        "getHealth" => Ok(json!("ok")),
        "getVersion" => Ok(json!({"solana-core": SOLANA_CORE, "feature-set": 0})),
        "getIdentity" => Ok(json!({"identity": chain.payer().pubkey().to_string()})),
        "getGenesisHash" => Ok(json!(chain.genesis_hash().to_string())),
        "getSlot" => Ok(json!(clock.slot)),
        "getBlockHeight" => Ok(json!(chain
            .root_block_height()
            .await
            .map_err(RpcError::internal)?)),
        "getEpochInfo" => {
            let height = chain
                .root_block_height()
                .await
                .map_err(RpcError::internal)?;
            Ok(json!({
                "absoluteSlot": clock.slot,
                "blockHeight": height,
                "epoch": clock.epoch,
                "slotIndex": clock.slot % SLOTS_PER_EPOCH,
                "slotsInEpoch": SLOTS_PER_EPOCH,
                "transactionCount": chain.transaction_count(),
            }))
        }
        "getLatestBlockhash" => {
            let (hash, last_valid) = chain
                .latest_blockhash_with_height()
                .await
                .map_err(RpcError::internal)?;
            Ok(ctx.with_context(json!(RpcBlockhash {
                blockhash: hash.to_string(),
                last_valid_block_height: last_valid,
            })))
        }
        "getMinimumBalanceForRentExemption" => {
            let len = required(params, 0)?
                .as_u64()
                .ok_or_else(|| RpcError::invalid_params("expected a data length"))?;
            Ok(json!(chain.rent().minimum_balance(len as usize)))
        }
        "getRecentPrioritizationFees" => {
            // The embedded chain has no fee market: every recent slot's fee is 0.
            Ok(json!([RpcPrioritizationFee {
                slot: clock.slot,
                prioritization_fee: 0,
            }]))
        }
        _ => Err(RpcError::method_not_found()),
    }
}
