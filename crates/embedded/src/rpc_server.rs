//! The embedded chain served over Solana JSON-RPC (HTTP/1.1 POST, one request per call), so
//! the CLI and the keepers — separate processes — share one local cluster exactly as they would
//! share devnet. The methods [`agentrunner_client::rpc::RpcChain`] and the Solana CLI's common
//! reads need are implemented with the RPC crates' own response types:
//! `getLatestBlockhash`, `getBlockHeight`, `getSlot`, `getVersion`, `getHealth`,
//! `getGenesisHash`, `getBalance`, `getMinimumBalanceForRentExemption`, `getAccountInfo`,
//! `getMultipleAccounts`, `getProgramAccounts` (memcmp / dataSize filters), `sendTransaction`,
//! `simulateTransaction`, `getSignatureStatuses`, `getSignaturesForAddress`, `getTransaction`
//! and `requestAirdrop` (from the chain's genesis payer).
use std::{net::SocketAddr, sync::Arc};

use agentrunner_client::chain::Chain;
use anchor_lang::prelude::Pubkey;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};
use solana_account::Account;
use solana_account_decoder_client_types::{UiAccount, UiAccountData, UiAccountEncoding};
use solana_rpc_client_types::{
    config::RpcProgramAccountsConfig,
    filter::RpcFilterType,
    response::{
        RpcBlockhash, RpcConfirmedTransactionStatusWithSignature, RpcKeyedAccount,
        RpcResponseContext, RpcSimulateTransactionResult,
    },
};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, EncodedConfirmedTransactionWithStatusMeta,
    EncodedTransaction, EncodedTransactionWithStatusMeta, TransactionBinaryEncoding,
    TransactionConfirmationStatus, TransactionStatus, UiCompiledInstruction, UiInnerInstructions,
    UiInstruction, UiLoadedAddresses, UiTransactionStatusMeta,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use crate::EmbeddedChain;

/// A running server.
pub struct RpcServer {
    pub addr: SocketAddr,
    handle: JoinHandle<()>,
}

impl RpcServer {
    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections.
    pub fn stop(self) {
        self.handle.abort();
    }
}

/// Serves `chain` on `addr` (port 0 picks a free one) until stopped.
pub async fn serve(chain: Arc<EmbeddedChain>, addr: SocketAddr) -> std::io::Result<RpcServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            // Small request/response pairs: without this, Nagle and delayed ACKs add ~40 ms each.
            let _ = stream.set_nodelay(true);
            let chain = chain.clone();
            tokio::spawn(async move {
                let _ = connection(chain, stream).await;
            });
        }
    });
    Ok(RpcServer { addr, handle })
}

/// Answers requests on one keep-alive connection until the peer closes it.
async fn connection(chain: Arc<EmbeddedChain>, stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut content_length = 0usize;
        let mut first = true;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                if first {
                    continue;
                }
                break;
            }
            first = false;
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; content_length];
        reader.read_exact(&mut body).await?;
        let response = match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Array(batch)) => {
                let mut out = Vec::new();
                for request in batch {
                    out.push(answer(&chain, request).await);
                }
                Value::Array(out)
            }
            Ok(request) => answer(&chain, request).await,
            Err(e) => error_response(Value::Null, -32700, &format!("parse error: {e}")),
        };
        let payload = serde_json::to_vec(&response).unwrap_or_default();
        let mut message = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            payload.len()
        )
        .into_bytes();
        message.extend_from_slice(&payload);
        reader.get_mut().write_all(&message).await?;
    }
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

async fn answer(chain: &EmbeddedChain, request: Value) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str).unwrap_or("");
    let params = request
        .get("params")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    match dispatch(chain, method, &params).await {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err((code, message)) => error_response(id, code, &message),
    }
}

type RpcError = (i64, String);

fn invalid(message: impl std::fmt::Display) -> RpcError {
    (-32602, message.to_string())
}

fn internal(message: impl std::fmt::Display) -> RpcError {
    (-32603, message.to_string())
}

fn param(params: &Value, index: usize) -> Result<&Value, RpcError> {
    params
        .get(index)
        .ok_or_else(|| invalid(format!("missing parameter {index}")))
}

fn pubkey(value: &Value) -> Result<Pubkey, RpcError> {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("invalid public key"))
}

fn signature(value: &Value) -> Result<Signature, RpcError> {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("invalid signature"))
}

/// Whether account data passes a `getProgramAccounts` filter.
fn allows(filter: &RpcFilterType, data: &[u8]) -> bool {
    match filter {
        RpcFilterType::DataSize(size) => data.len() as u64 == *size,
        RpcFilterType::Memcmp(memcmp) => memcmp.bytes_match(data),
        // Token account state is not meaningful for AgentRunner's accounts.
        RpcFilterType::TokenAccountState => false,
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn ui_account(account: &Account) -> UiAccount {
    UiAccount {
        lamports: account.lamports,
        data: UiAccountData::Binary(STANDARD.encode(&account.data), UiAccountEncoding::Base64),
        owner: account.owner.to_string(),
        executable: account.executable,
        rent_epoch: account.rent_epoch,
        space: Some(account.data.len() as u64),
    }
}

fn transaction(params: &Value) -> Result<VersionedTransaction, RpcError> {
    let encoded = param(params, 0)?
        .as_str()
        .ok_or_else(|| invalid("expected a string"))?;
    let base58 = params
        .get(1)
        .and_then(|c| c.get("encoding"))
        .and_then(Value::as_str)
        == Some("base58");
    let bytes = if base58 {
        bs58::decode(encoded).into_vec().map_err(invalid)?
    } else {
        STANDARD.decode(encoded).map_err(invalid)?
    };
    bincode::deserialize(&bytes).map_err(invalid)
}

async fn dispatch(chain: &EmbeddedChain, method: &str, params: &Value) -> Result<Value, RpcError> {
    let clock = chain.clock().await.map_err(internal)?;
    let context = RpcResponseContext {
        slot: clock.slot,
        api_version: None,
    };
    let with_context = |value: Value| json!({"context": context, "value": value});
    match method {
        "getHealth" => Ok(json!("ok")),
        "getVersion" => Ok(json!({"solana-core": "3.1.12", "feature-set": 0})),
        "getGenesisHash" => Ok(json!(chain.genesis_hash().to_string())),
        "getSlot" => Ok(json!(clock.slot)),
        "getBlockHeight" => Ok(json!(Chain::block_height(chain).await.map_err(internal)?)),
        "getLatestBlockhash" => {
            let (hash, last_valid) = Chain::latest_blockhash(chain).await.map_err(internal)?;
            Ok(with_context(to_json(&RpcBlockhash {
                blockhash: hash.to_string(),
                last_valid_block_height: last_valid,
            })))
        }
        "getBalance" => {
            let key = pubkey(param(params, 0)?)?;
            Ok(with_context(json!(chain
                .balance(&key)
                .await
                .map_err(internal)?)))
        }
        "getMinimumBalanceForRentExemption" => {
            let len = param(params, 0)?
                .as_u64()
                .ok_or_else(|| invalid("expected a length"))?;
            Ok(json!(chain.rent().minimum_balance(len as usize)))
        }
        "getAccountInfo" => {
            let key = pubkey(param(params, 0)?)?;
            let account = chain.account(&key).await.map_err(internal)?;
            Ok(with_context(to_json(&account.as_ref().map(ui_account))))
        }
        "getMultipleAccounts" => {
            let keys = param(params, 0)?
                .as_array()
                .ok_or_else(|| invalid("expected keys"))?;
            let mut accounts = Vec::new();
            for key in keys {
                let account = chain.account(&pubkey(key)?).await.map_err(internal)?;
                accounts.push(account.as_ref().map(ui_account));
            }
            Ok(with_context(to_json(&accounts)))
        }
        "getProgramAccounts" => {
            let program = pubkey(param(params, 0)?)?;
            let config: RpcProgramAccountsConfig = params
                .get(1)
                .cloned()
                .map(serde_json::from_value)
                .transpose()
                .map_err(invalid)?
                .unwrap_or_default();
            let filters = config.filters.unwrap_or_default();
            let mut found = Vec::new();
            for (key, account) in Chain::program_accounts(chain, &program, &[])
                .await
                .map_err(internal)?
            {
                if filters.iter().all(|f| allows(f, &account.data)) {
                    found.push(RpcKeyedAccount {
                        pubkey: key.to_string(),
                        account: ui_account(&account),
                    });
                }
            }
            if config.with_context == Some(true) {
                Ok(with_context(to_json(&found)))
            } else {
                Ok(to_json(&found))
            }
        }
        "sendTransaction" => {
            let tx = transaction(params)?;
            let sig = Chain::broadcast(chain, &tx)
                .await
                .map_err(|e| (-32002, format!("Transaction rejected: {e}")))?;
            Ok(json!(sig.to_string()))
        }
        "simulateTransaction" => {
            let tx = transaction(params)?;
            let simulation = Chain::simulate(chain, &tx).await.map_err(internal)?;
            Ok(with_context(to_json(&RpcSimulateTransactionResult {
                err: simulation.error.map(Into::into),
                logs: Some(simulation.logs),
                accounts: None,
                units_consumed: None,
                loaded_accounts_data_size: None,
                return_data: None,
                inner_instructions: None,
                replacement_blockhash: None,
                fee: None,
                pre_balances: None,
                post_balances: None,
                pre_token_balances: None,
                post_token_balances: None,
                loaded_addresses: None,
            })))
        }
        "getSignatureStatuses" => {
            let sigs = param(params, 0)?
                .as_array()
                .ok_or_else(|| invalid("expected signatures"))?;
            let mut statuses = Vec::new();
            for sig in sigs {
                let sig = signature(sig)?;
                statuses.push(chain.status(&sig).map(|result| {
                    let slot = chain
                        .transaction_record(&sig)
                        .map_or(clock.slot, |r| r.slot);
                    TransactionStatus {
                        slot,
                        confirmations: None,
                        status: result.clone(),
                        err: result.err(),
                        confirmation_status: Some(TransactionConfirmationStatus::Finalized),
                    }
                }));
            }
            Ok(with_context(to_json(&statuses)))
        }
        "getSignaturesForAddress" => {
            let key = pubkey(param(params, 0)?)?;
            let config = params.get(1);
            let limit = config
                .and_then(|c| c.get("limit"))
                .and_then(Value::as_u64)
                .unwrap_or(1_000) as usize;
            let before = config
                .and_then(|c| c.get("before"))
                .filter(|v| !v.is_null())
                .map(signature)
                .transpose()?;
            let mut history = chain.history(&key);
            history.reverse();
            if let Some(before) = before {
                match history.iter().position(|s| *s == before) {
                    Some(at) => history.drain(..=at),
                    None => history.drain(..0),
                };
            }
            let entries: Vec<RpcConfirmedTransactionStatusWithSignature> = history
                .into_iter()
                .take(limit)
                .filter_map(|sig| {
                    let record = chain.transaction_record(&sig)?;
                    Some(RpcConfirmedTransactionStatusWithSignature {
                        signature: sig.to_string(),
                        slot: record.slot,
                        err: chain.status(&sig).and_then(Result::err).map(Into::into),
                        memo: None,
                        block_time: Some(record.unix_time),
                        confirmation_status: Some(TransactionConfirmationStatus::Finalized),
                    })
                })
                .collect();
            Ok(to_json(&entries))
        }
        "getTransaction" => {
            let sig = signature(param(params, 0)?)?;
            let (Some(record), Some(result)) = (chain.transaction_record(&sig), chain.status(&sig))
            else {
                return Ok(Value::Null);
            };
            let index_of =
                |key: &Pubkey| record.keys.iter().position(|k| k == key).unwrap_or(0) as u8;
            let inner = chain
                .inner_instructions(&sig)
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(index, group)| UiInnerInstructions {
                    index: index as u8,
                    instructions: group
                        .into_iter()
                        .map(|cpi| {
                            UiInstruction::Compiled(UiCompiledInstruction {
                                program_id_index: index_of(&cpi.program_id),
                                accounts: cpi.accounts.iter().map(index_of).collect(),
                                data: bs58::encode(&cpi.data).into_string(),
                                stack_height: Some(u32::from(cpi.stack_height)),
                            })
                        })
                        .collect(),
                })
                .collect();
            let statics = record.tx.message.static_account_keys().len();
            let loaded = &record.keys[statics..];
            let (writable, readonly) = loaded.split_at(record.loaded_writable.min(loaded.len()));
            let meta = UiTransactionStatusMeta {
                err: result.clone().err().map(Into::into),
                status: result.map_err(Into::into),
                fee: record.fee,
                pre_balances: Vec::new(),
                post_balances: Vec::new(),
                inner_instructions: OptionSerializer::Some(inner),
                log_messages: OptionSerializer::Some(record.logs.clone()),
                pre_token_balances: OptionSerializer::None,
                post_token_balances: OptionSerializer::None,
                rewards: OptionSerializer::None,
                loaded_addresses: OptionSerializer::Some(UiLoadedAddresses {
                    writable: writable.iter().map(Pubkey::to_string).collect(),
                    readonly: readonly.iter().map(Pubkey::to_string).collect(),
                }),
                return_data: OptionSerializer::Skip,
                compute_units_consumed: OptionSerializer::Skip,
                cost_units: OptionSerializer::Skip,
            };
            let bytes = bincode::serialize(&record.tx).map_err(internal)?;
            Ok(to_json(&EncodedConfirmedTransactionWithStatusMeta {
                slot: record.slot,
                transaction: EncodedTransactionWithStatusMeta {
                    transaction: EncodedTransaction::Binary(
                        STANDARD.encode(bytes),
                        TransactionBinaryEncoding::Base64,
                    ),
                    meta: Some(meta),
                    version: Some(record.tx.version()),
                },
                block_time: Some(record.unix_time),
            }))
        }
        "requestAirdrop" => {
            let key = pubkey(param(params, 0)?)?;
            let lamports = param(params, 1)?
                .as_u64()
                .ok_or_else(|| invalid("expected lamports"))?;
            let ix = solana_system_interface::instruction::transfer(
                &chain.payer().pubkey(),
                &key,
                lamports,
            );
            let outcome = chain.send(&[ix], &[]).await.map_err(internal)?;
            Ok(json!(outcome.signature.to_string()))
        }
        other => Err((-32601, format!("method not found: {other}"))),
    }
}
