//! Transaction history as a validator serves it: `getTransaction` in every encoding (`json`,
//! `jsonParsed` with account keys marked signer/writable/source and partially decoded
//! instructions, `base58`, `base64`) with its meta (fee, balances, token balances, inner
//! instructions, logs, loaded addresses, compute units), and `getSignaturesForAddress`.
use anchor_lang::prelude::Pubkey;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};
use solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2;
use solana_account_decoder::parse_token::token_amount_to_ui_amount_v3;
use solana_message::{
    compiled_instruction::CompiledInstruction, inner_instruction::InnerInstruction,
    VersionedMessage,
};
use solana_rpc_client_api::custom_error::JSON_RPC_SERVER_ERROR_UNSUPPORTED_TRANSACTION_VERSION;
use solana_rpc_client_types::{
    config::{RpcSignaturesForAddressConfig, RpcTransactionConfig},
    response::RpcConfirmedTransactionStatusWithSignature,
};
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, EncodedConfirmedTransactionWithStatusMeta,
    EncodedTransaction, EncodedTransactionWithStatusMeta, ParsedAccount, ParsedAccountSource,
    TransactionBinaryEncoding, TransactionConfirmationStatus, UiAddressTableLookup,
    UiCompiledInstruction, UiInnerInstructions, UiInstruction, UiLoadedAddresses, UiMessage,
    UiParsedInstruction, UiParsedMessage, UiPartiallyDecodedInstruction, UiRawMessage,
    UiTransaction, UiTransactionEncoding, UiTransactionStatusMeta, UiTransactionTokenBalance,
};

use super::{
    errors::{RpcError, RpcResult},
    params::{pubkey, required, signature},
    Ctx,
};
use crate::{balances::TokenBalance, index::TxRecord};

/// Inner instructions grouped by top-level instruction, as JSON-RPC lists them: compiled, or
/// with `keys` (the transaction's account keys) partially decoded for `jsonParsed`.
pub fn inner_instructions(
    groups: &[Vec<InnerInstruction>],
    parsed_with: Option<&[Pubkey]>,
) -> Vec<UiInnerInstructions> {
    groups
        .iter()
        .enumerate()
        .filter(|(_, group)| !group.is_empty())
        .map(|(index, group)| UiInnerInstructions {
            index: index as u8,
            instructions: group
                .iter()
                .map(|inner| {
                    let ix = &inner.instruction;
                    let height = Some(u32::from(inner.stack_height));
                    match parsed_with {
                        Some(keys) => partially_decoded(
                            keys,
                            ix.program_id_index,
                            &ix.accounts,
                            &ix.data,
                            height,
                        ),
                        None => UiInstruction::Compiled(UiCompiledInstruction {
                            program_id_index: ix.program_id_index,
                            accounts: ix.accounts.clone(),
                            data: bs58::encode(&ix.data).into_string(),
                            stack_height: height,
                        }),
                    }
                })
                .collect(),
        })
        .collect()
}

fn token_balances(balances: &[TokenBalance]) -> Vec<UiTransactionTokenBalance> {
    balances
        .iter()
        .map(|b| UiTransactionTokenBalance {
            account_index: b.account_index,
            mint: b.mint.to_string(),
            ui_token_amount: token_amount_to_ui_amount_v3(
                b.amount,
                &SplTokenAdditionalDataV2 {
                    decimals: b.decimals,
                    ..SplTokenAdditionalDataV2::default()
                },
            ),
            owner: OptionSerializer::Some(b.owner.to_string()),
            program_id: OptionSerializer::Some(b.program_id.to_string()),
        })
        .collect()
}

fn lookups(message: &VersionedMessage) -> Option<Vec<UiAddressTableLookup>> {
    message.address_table_lookups().map(|lookups| {
        lookups
            .iter()
            .map(|l| UiAddressTableLookup {
                account_key: l.account_key.to_string(),
                writable_indexes: l.writable_indexes.clone(),
                readonly_indexes: l.readonly_indexes.clone(),
            })
            .collect()
    })
}

/// The transaction in `encoding`.
fn encode_transaction(
    record: &TxRecord,
    encoding: UiTransactionEncoding,
) -> Result<EncodedTransaction, RpcError> {
    let tx = &record.tx;
    let message = &tx.message;
    let binary = |encoding| -> Result<EncodedTransaction, RpcError> {
        let bytes = bincode::serialize(tx).map_err(RpcError::internal)?;
        Ok(EncodedTransaction::Binary(
            match encoding {
                TransactionBinaryEncoding::Base58 => bs58::encode(bytes).into_string(),
                TransactionBinaryEncoding::Base64 => STANDARD.encode(bytes),
            },
            encoding,
        ))
    };
    let signatures = tx.signatures.iter().map(ToString::to_string).collect();
    Ok(match encoding {
        UiTransactionEncoding::Binary | UiTransactionEncoding::Base58 => {
            binary(TransactionBinaryEncoding::Base58)?
        }
        UiTransactionEncoding::Base64 => binary(TransactionBinaryEncoding::Base64)?,
        UiTransactionEncoding::Json => EncodedTransaction::Json(UiTransaction {
            signatures,
            message: UiMessage::Raw(UiRawMessage {
                header: *message.header(),
                account_keys: message
                    .static_account_keys()
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                recent_blockhash: message.recent_blockhash().to_string(),
                instructions: message
                    .instructions()
                    .iter()
                    .map(|ix| UiCompiledInstruction::from(ix, None))
                    .collect(),
                address_table_lookups: lookups(message),
            }),
        }),
        UiTransactionEncoding::JsonParsed => {
            let statics = message.static_account_keys().len();
            let account_keys = record
                .keys
                .iter()
                .enumerate()
                .map(|(i, key)| ParsedAccount {
                    pubkey: key.to_string(),
                    writable: message.is_maybe_writable(i, None),
                    signer: message.is_signer(i),
                    source: Some(if i < statics {
                        ParsedAccountSource::Transaction
                    } else {
                        ParsedAccountSource::LookupTable
                    }),
                })
                .collect();
            EncodedTransaction::Json(UiTransaction {
                signatures,
                message: UiMessage::Parsed(UiParsedMessage {
                    account_keys,
                    recent_blockhash: message.recent_blockhash().to_string(),
                    instructions: message
                        .instructions()
                        .iter()
                        .map(|ix| {
                            partially_decoded(
                                &record.keys,
                                ix.program_id_index,
                                &ix.accounts,
                                &ix.data,
                                None,
                            )
                        })
                        .collect(),
                    address_table_lookups: lookups(message),
                }),
            })
        }
    })
}

fn partially_decoded(
    keys: &[Pubkey],
    program: u8,
    accounts: &[u8],
    data: &[u8],
    stack_height: Option<u32>,
) -> UiInstruction {
    let key = |i: &u8| {
        keys.get(usize::from(*i))
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    UiInstruction::Parsed(UiParsedInstruction::PartiallyDecoded(
        UiPartiallyDecodedInstruction {
            program_id: key(&program),
            accounts: accounts.iter().map(key).collect(),
            data: bs58::encode(data).into_string(),
            stack_height,
        },
    ))
}

/// The CPIs of a landed transaction, as JSON-RPC inner instructions.
fn recorded_inner(ctx: &Ctx<'_>, record: &TxRecord, parsed: bool) -> Vec<UiInnerInstructions> {
    let index_of = |key: &Pubkey| record.keys.iter().position(|k| k == key).unwrap_or(0) as u8;
    let groups: Vec<Vec<InnerInstruction>> = ctx
        .chain
        .inner_instructions(&record.tx.signatures[0])
        .unwrap_or_default()
        .into_iter()
        .map(|group| {
            group
                .into_iter()
                .map(|cpi| InnerInstruction {
                    instruction: CompiledInstruction {
                        program_id_index: index_of(&cpi.program_id),
                        accounts: cpi.accounts.iter().map(index_of).collect(),
                        data: cpi.data,
                    },
                    stack_height: cpi.stack_height,
                })
                .collect()
        })
        .collect();
    inner_instructions(&groups, parsed.then_some(record.keys.as_slice()))
}

pub async fn get_transaction(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let sig = signature(required(params, 0)?)?;
    // The second parameter is either a config object or, in the old form, an encoding string.
    let cfg: RpcTransactionConfig = match params.get(1) {
        None | Some(Value::Null) => RpcTransactionConfig::default(),
        Some(Value::String(encoding)) => RpcTransactionConfig {
            encoding: serde_json::from_value(json!(encoding)).map_err(RpcError::invalid_params)?,
            ..RpcTransactionConfig::default()
        },
        Some(value) => serde_json::from_value(value.clone()).map_err(RpcError::invalid_params)?,
    };
    let Some(record) = ctx.chain.transaction_record(&sig) else {
        return Ok(Value::Null);
    };
    let encoding = cfg.encoding.unwrap_or(UiTransactionEncoding::Json);
    Ok(json!(EncodedConfirmedTransactionWithStatusMeta {
        slot: record.slot,
        transaction: with_meta(
            ctx,
            &record,
            encoding,
            cfg.max_supported_transaction_version
        )?,
        block_time: Some(record.unix_time),
    }))
}

/// A landed transaction in `encoding` with its meta, as `getTransaction` and `getBlock` serve
/// it; a v0 transaction needs `maxSupportedTransactionVersion` (-32015 otherwise).
pub fn with_meta(
    ctx: &Ctx<'_>,
    record: &TxRecord,
    encoding: UiTransactionEncoding,
    max_supported_version: Option<u8>,
) -> Result<EncodedTransactionWithStatusMeta, RpcError> {
    let result = ctx
        .chain
        .status(&record.tx.signatures[0])
        .ok_or_else(|| RpcError::internal("a recorded transaction without a status"))?;
    let legacy = matches!(record.tx.message, VersionedMessage::Legacy(_));
    if !legacy && max_supported_version.is_none() {
        return Err(RpcError {
            code: JSON_RPC_SERVER_ERROR_UNSUPPORTED_TRANSACTION_VERSION,
            message: "Transaction version (0) is not supported by the requesting client. Please \
                      try the request again with the following configuration parameter: \
                      \"maxSupportedTransactionVersion\": 0"
                .into(),
            data: None,
        });
    }
    let parsed = encoding == UiTransactionEncoding::JsonParsed;
    let statics = record.tx.message.static_account_keys().len();
    let loaded = &record.keys[statics.min(record.keys.len())..];
    let (writable, readonly) = loaded.split_at(record.loaded_writable.min(loaded.len()));
    let meta = UiTransactionStatusMeta {
        err: result.clone().err().map(Into::into),
        status: result.map_err(Into::into),
        fee: record.fee,
        pre_balances: record.pre.lamports.clone(),
        post_balances: record.post.lamports.clone(),
        inner_instructions: OptionSerializer::Some(recorded_inner(ctx, record, parsed)),
        log_messages: OptionSerializer::Some(record.logs.clone()),
        pre_token_balances: OptionSerializer::Some(token_balances(&record.pre.tokens)),
        post_token_balances: OptionSerializer::Some(token_balances(&record.post.tokens)),
        rewards: OptionSerializer::Some(Vec::new()),
        loaded_addresses: if parsed {
            OptionSerializer::Skip
        } else {
            OptionSerializer::Some(UiLoadedAddresses {
                writable: writable.iter().map(Pubkey::to_string).collect(),
                readonly: readonly.iter().map(Pubkey::to_string).collect(),
            })
        },
        return_data: OptionSerializer::Skip,
        compute_units_consumed: OptionSerializer::Some(record.compute_units),
        cost_units: OptionSerializer::Skip,
    };
    Ok(EncodedTransactionWithStatusMeta {
        transaction: encode_transaction(record, encoding)?,
        meta: Some(meta),
        version: max_supported_version.map(|_| record.tx.version()),
    })
}

pub async fn get_signatures_for_address(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let address = pubkey(required(params, 0)?)?;
    let cfg: RpcSignaturesForAddressConfig = super::params::config(params, 1)?;
    let limit = cfg.limit.unwrap_or(1_000);
    if limit == 0 || limit > 1_000 {
        return Err(RpcError::invalid_params("Invalid limit; max 1000"));
    }
    let parse = |s: &Option<String>| s.as_ref().map(|s| signature(&json!(s))).transpose();
    let (before, until) = (parse(&cfg.before)?, parse(&cfg.until)?);
    let mut history = ctx.chain.history(&address);
    history.reverse();
    if let Some(before) = before {
        let at = history
            .iter()
            .position(|s| *s == before)
            .map_or(0, |at| at + 1);
        history.drain(..at);
    }
    if let Some(until) = until {
        if let Some(at) = history.iter().position(|s| *s == until) {
            history.truncate(at);
        }
    }
    let entries: Vec<RpcConfirmedTransactionStatusWithSignature> = history
        .into_iter()
        .take(limit)
        .filter_map(|sig| {
            let record = ctx.chain.transaction_record(&sig)?;
            Some(RpcConfirmedTransactionStatusWithSignature {
                signature: sig.to_string(),
                slot: record.slot,
                err: ctx.chain.status(&sig).and_then(Result::err).map(Into::into),
                memo: None,
                block_time: Some(record.unix_time),
                confirmation_status: Some(TransactionConfirmationStatus::Finalized),
            })
        })
        .collect();
    Ok(json!(entries))
}
