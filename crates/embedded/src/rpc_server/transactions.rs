//! Sending and simulating: `sendTransaction` with preflight (the validator's -32002 with the
//! simulation's logs, -32003 for a bad signature), `simulateTransaction` with `sigVerify`,
//! `replaceRecentBlockhash` and `innerInstructions`, statuses, fees and airdrops.
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};
use solana_banks_interface::TransactionSimulationDetails;
use solana_message::VersionedMessage;
use solana_rpc_client_types::{
    config::{RpcSendTransactionConfig, RpcSimulateTransactionConfig},
    response::{RpcBlockhash, RpcSimulateTransactionResult},
};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::{
    TransactionBinaryEncoding, TransactionConfirmationStatus, TransactionStatus,
    UiTransactionEncoding,
};

use super::{
    errors::{RpcError, RpcResult},
    history::inner_instructions,
    params::{config, pubkey, required, signature},
    Ctx,
};
use crate::{refusals::Refusal, ChainError};

fn binary_encoding(
    encoding: Option<UiTransactionEncoding>,
) -> Result<TransactionBinaryEncoding, RpcError> {
    match encoding.unwrap_or(UiTransactionEncoding::Base58) {
        UiTransactionEncoding::Base58 | UiTransactionEncoding::Binary => {
            Ok(TransactionBinaryEncoding::Base58)
        }
        UiTransactionEncoding::Base64 => Ok(TransactionBinaryEncoding::Base64),
        other => Err(RpcError::invalid_params(format!(
            "unsupported encoding: {other}. Supported encodings: base58, base64"
        ))),
    }
}

/// Decodes the wire bytes of parameter 0 (`base58` unless the config says `base64`).
fn decode<T: serde::de::DeserializeOwned>(
    params: &Value,
    encoding: Option<UiTransactionEncoding>,
) -> Result<T, RpcError> {
    let encoded = required(params, 0)?
        .as_str()
        .ok_or_else(|| RpcError::invalid_params("expected an encoded string"))?;
    let bytes = match binary_encoding(encoding)? {
        TransactionBinaryEncoding::Base58 => bs58::decode(encoded)
            .into_vec()
            .map_err(|e| RpcError::invalid_params(format!("invalid base58 encoding: {e}")))?,
        TransactionBinaryEncoding::Base64 => STANDARD
            .decode(encoded)
            .map_err(|e| RpcError::invalid_params(format!("invalid base64 encoding: {e}")))?,
    };
    bincode::deserialize(&bytes)
        .map_err(|e| RpcError::invalid_params(format!("failed to deserialize: {e}")))
}

fn verify_signatures(tx: &VersionedTransaction) -> Result<(), RpcError> {
    let signed = tx.signatures.len() == usize::from(tx.message.header().num_required_signatures);
    if signed && tx.verify_with_results().into_iter().all(|ok| ok) {
        Ok(())
    } else {
        Err(RpcError::signature_verification_failure())
    }
}

/// Simulates `tx` and shapes the result as `simulateTransaction` answers it.
async fn simulation(
    ctx: &Ctx<'_>,
    tx: &VersionedTransaction,
    with_inner: bool,
) -> Result<(Option<TransactionError>, RpcSimulateTransactionResult), RpcError> {
    let simulated = ctx
        .chain
        .simulate_with_details(tx.clone())
        .await
        .map_err(RpcError::internal)?;
    let error = simulated.result.clone().and_then(Result::err);
    let details = simulated
        .simulation_details
        .unwrap_or(TransactionSimulationDetails {
            logs: Vec::new(),
            units_consumed: 0,
            loaded_accounts_data_size: 0,
            return_data: None,
            inner_instructions: None,
        });
    let fee = ctx
        .chain
        .fee_for_message(&tx.message)
        .await
        .map_err(RpcError::internal)?;
    let inner = with_inner
        .then_some(details.inner_instructions.as_ref())
        .flatten()
        .map(|groups| inner_instructions(groups, None));
    Ok((
        error.clone(),
        RpcSimulateTransactionResult {
            err: error.map(Into::into),
            logs: Some(details.logs),
            accounts: None,
            units_consumed: Some(details.units_consumed),
            loaded_accounts_data_size: Some(details.loaded_accounts_data_size),
            return_data: details.return_data.map(Into::into),
            inner_instructions: inner,
            replacement_blockhash: None,
            fee,
            pre_balances: None,
            post_balances: None,
            pre_token_balances: None,
            post_token_balances: None,
            loaded_addresses: None,
        },
    ))
}

pub async fn send_transaction(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let cfg: RpcSendTransactionConfig = config(params, 1)?;
    let tx: VersionedTransaction = decode(params, cfg.encoding)?;
    ctx.min_context_slot(cfg.min_context_slot)?;
    verify_signatures(&tx)?;
    let signature = tx.signatures[0];
    if !cfg.skip_preflight {
        if ctx.chain.status(&signature).is_some() {
            let error = TransactionError::AlreadyProcessed;
            let (_, mut result) = simulation(ctx, &tx, false).await?;
            result.err = Some(error.clone().into());
            return Err(RpcError::preflight_failure(&error, &result));
        }
        let (error, result) = simulation(ctx, &tx, false).await?;
        if let Some(error) = error {
            let logs = result.logs.clone().unwrap_or_default();
            ctx.chain
                .record_refusal(Refusal::of(&tx, ctx.slot, error.clone(), logs, false));
            return Err(RpcError::preflight_failure(&error, &result));
        }
    } else if ctx.chain.status(&signature).is_some() {
        // Already processed: a cluster deduplicates the rebroadcast.
        return Ok(json!(signature.to_string()));
    }
    match ctx.chain.process_traced(tx).await {
        // Landed (and, without preflight, possibly failed: the status says which).
        Ok(_) | Err(ChainError::Transaction { .. }) => Ok(json!(signature.to_string())),
        Err(ChainError::TooLarge(bytes)) => Err(RpcError::invalid_params(format!(
            "base64 encoded solana_transaction::versioned::VersionedTransaction too large: {bytes} bytes (max: 1232 bytes)"
        ))),
        Err(other) => Err(RpcError::internal(other)),
    }
}

pub async fn simulate_transaction(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let cfg: RpcSimulateTransactionConfig = config(params, 1)?;
    let mut tx: VersionedTransaction = decode(params, cfg.encoding)?;
    ctx.min_context_slot(cfg.min_context_slot)?;
    if cfg.accounts.is_some() {
        return Err(RpcError::invalid_params(
            "`accounts` is not supported by the embedded chain: its bank does not expose \
             post-simulation account states",
        ));
    }
    let mut replacement = None;
    if cfg.replace_recent_blockhash {
        if cfg.sig_verify {
            return Err(RpcError::invalid_params(
                "sigVerify may not be used with replaceRecentBlockhash",
            ));
        }
        let (blockhash, last_valid) = ctx
            .chain
            .latest_blockhash_with_height()
            .await
            .map_err(RpcError::internal)?;
        tx.message.set_recent_blockhash(blockhash);
        replacement = Some(RpcBlockhash {
            blockhash: blockhash.to_string(),
            last_valid_block_height: last_valid,
        });
    }
    if cfg.sig_verify {
        verify_signatures(&tx)?;
    }
    let (error, mut result) = simulation(ctx, &tx, cfg.inner_instructions).await?;
    if let Some(error) = error {
        let logs = result.logs.clone().unwrap_or_default();
        ctx.chain
            .record_refusal(Refusal::of(&tx, ctx.slot, error, logs, true));
    }
    result.replacement_blockhash = replacement;
    Ok(ctx.with_context(json!(result)))
}

pub async fn get_signature_statuses(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let signatures = required(params, 0)?
        .as_array()
        .ok_or_else(|| RpcError::invalid_params("expected an array of signatures"))?;
    if signatures.len() > 256 {
        return Err(RpcError::invalid_params(
            "Too many inputs provided; max 256",
        ));
    }
    let mut statuses = Vec::with_capacity(signatures.len());
    for entry in signatures {
        let signature = signature(entry)?;
        statuses.push(ctx.chain.status(&signature).map(|result| {
            TransactionStatus {
                slot: ctx
                    .chain
                    .transaction_record(&signature)
                    .map_or(ctx.slot, |r| r.slot),
                confirmations: None,
                status: result.clone(),
                err: result.err(),
                confirmation_status: Some(TransactionConfirmationStatus::Finalized),
            }
        }));
    }
    Ok(ctx.with_context(json!(statuses)))
}

pub async fn get_fee_for_message(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let message: VersionedMessage = decode(params, Some(UiTransactionEncoding::Base64))?;
    let fee = ctx
        .chain
        .fee_for_message(&message)
        .await
        .map_err(RpcError::internal)?;
    Ok(ctx.with_context(json!(fee)))
}

pub async fn is_blockhash_valid(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let blockhash = required(params, 0)?
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| RpcError::invalid_params("Invalid param: not a blockhash"))?;
    let valid = ctx
        .chain
        .is_blockhash_valid(&blockhash)
        .await
        .map_err(RpcError::internal)?;
    Ok(ctx.with_context(json!(valid)))
}

pub async fn request_airdrop(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let to = pubkey(required(params, 0)?)?;
    let lamports = required(params, 1)?
        .as_u64()
        .ok_or_else(|| RpcError::invalid_params("expected lamports"))?;
    let ix =
        solana_system_interface::instruction::transfer(&ctx.chain.payer().pubkey(), &to, lamports);
    let outcome = ctx
        .chain
        .send(&[ix], &[])
        .await
        .map_err(RpcError::internal)?;
    Ok(json!(outcome.signature.to_string()))
}
