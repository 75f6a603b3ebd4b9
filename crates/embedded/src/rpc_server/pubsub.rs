//! PubSub over a websocket, like a validator's on the RPC port + 1: `signatureSubscribe`,
//! `accountSubscribe`, `programSubscribe` (with filters), `logsSubscribe`, `slotSubscribe` and
//! `rootSubscribe`, each with its `*Unsubscribe`. Notifications follow the chain's events (every
//! transaction processed, slot reached and account written), so they arrive as soon as the
//! embedded bank has executed — its slots are final at once, whatever commitment is asked for.
use std::{collections::HashMap, sync::Arc};

use anchor_lang::prelude::Pubkey;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use solana_account::Account;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_rpc_client_types::{
    config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionLogsFilter},
    filter::RpcFilterType,
};
use solana_signature::Signature;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::UiTransactionError;
use tokio::{
    net::TcpStream,
    sync::{broadcast::error::RecvError, watch},
};
use tokio_tungstenite::tungstenite::{protocol::WebSocketConfig, Message};

use super::{
    accounts::{allows, encode},
    errors::RpcError,
    params::{config, pubkey, required, signature, typed},
    Ctx,
};
use crate::{events::ChainEvent, EmbeddedChain};

/// Subscriptions one connection may hold at once.
pub const MAX_SUBSCRIPTIONS: usize = 256;
/// Largest message a client may send, in bytes.
const MAX_MESSAGE: usize = 64 * 1024;

/// What one subscription watches.
enum Watch {
    Signature(Signature),
    Account {
        address: Pubkey,
        encoding: UiAccountEncoding,
        last: Option<Account>,
    },
    Program {
        program: Pubkey,
        encoding: UiAccountEncoding,
        filters: Vec<RpcFilterType>,
        last: HashMap<Pubkey, Account>,
    },
    Logs(Option<Pubkey>),
    Slot,
    Root,
}

impl Watch {
    /// The notification method of this kind of subscription.
    fn method(&self) -> &'static str {
        match self {
            Watch::Signature(_) => "signatureNotification",
            Watch::Account { .. } => "accountNotification",
            Watch::Program { .. } => "programNotification",
            Watch::Logs(_) => "logsNotification",
            Watch::Slot => "slotNotification",
            Watch::Root => "rootNotification",
        }
    }
}

/// Serves one websocket connection until the client leaves or the server drops it.
pub async fn connection(
    chain: Arc<EmbeddedChain>,
    stream: TcpStream,
    mut dropped: watch::Receiver<u64>,
) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let Ok(socket) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    let (mut sink, mut source) = socket.split();
    let mut events = chain.subscribe();
    let mut session = Session {
        chain: &chain,
        watches: HashMap::new(),
        next_id: 1,
    };
    loop {
        let outgoing = tokio::select! {
            message = source.next() => match message {
                Some(Ok(Message::Text(text))) => session.request(text.as_str()).await,
                Some(Ok(Message::Binary(_))) => vec![RpcError::invalid_request().response(Value::Null)],
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Vec::new(),
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
            event = events.recv() => match event {
                Ok(event) => session.notify(&event).await,
                Err(RecvError::Lagged(_)) => session.catch_up().await,
                Err(RecvError::Closed) => break,
            },
            // Dropped by the server (`RpcServer::drop_pubsub_connections`): no close frame.
            _ = dropped.changed() => return,
        };
        for message in outgoing {
            if sink.send(Message::text(message.to_string())).await.is_err() {
                return;
            }
        }
    }
}

struct Session<'a> {
    chain: &'a EmbeddedChain,
    watches: HashMap<u64, Watch>,
    next_id: u64,
}

fn notification(method: &str, subscription: u64, result: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": method,
        "params": {"result": result, "subscription": subscription},
    })
}

fn with_slot(slot: u64, value: Value) -> Value {
    json!({"context": {"slot": slot}, "value": value})
}

fn signature_result(slot: u64, err: Option<TransactionError>) -> Value {
    with_slot(slot, json!({ "err": err.map(UiTransactionError::from) }))
}

impl Session<'_> {
    async fn request(&mut self, text: &str) -> Vec<Value> {
        let request: Value = match serde_json::from_str(text) {
            Ok(request) => request,
            Err(e) => return vec![RpcError::parse(e).response(Value::Null)],
        };
        // A JSON-RPC notification (no id) is never answered (clients' keep-alive pings).
        let Some(id) = request.get("id").cloned() else {
            return Vec::new();
        };
        let Some(method) = request.get("method").and_then(Value::as_str) else {
            return vec![RpcError::invalid_request().response(id)];
        };
        let params = request.get("params").cloned().unwrap_or(json!([]));
        match self.call(method, &params).await {
            Ok((result, follow_up)) => {
                let mut out = vec![json!({"jsonrpc": "2.0", "result": result, "id": id})];
                out.extend(follow_up);
                out
            }
            Err(error) => vec![error.response(id)],
        }
    }

    /// A method's result and any notification due at once (a signature already processed).
    async fn call(
        &mut self,
        method: &str,
        params: &Value,
    ) -> Result<(Value, Option<Value>), RpcError> {
        if let Some(kind) = method.strip_suffix("Unsubscribe") {
            let id: u64 = typed(params, 0)?;
            let known = self
                .watches
                .get(&id)
                .is_some_and(|w| w.method() == format!("{kind}Notification"));
            if !known {
                return Err(RpcError::invalid_params("Invalid subscription id."));
            }
            self.watches.remove(&id);
            return Ok((json!(true), None));
        }
        let watch = match method {
            "signatureSubscribe" => Watch::Signature(signature(required(params, 0)?)?),
            "accountSubscribe" => {
                let address = pubkey(required(params, 0)?)?;
                let cfg: RpcAccountInfoConfig = config(params, 1)?;
                Watch::Account {
                    address,
                    encoding: cfg.encoding.unwrap_or(UiAccountEncoding::Binary),
                    last: self
                        .chain
                        .account(&address)
                        .await
                        .map_err(RpcError::internal)?,
                }
            }
            "programSubscribe" => {
                let program = pubkey(required(params, 0)?)?;
                let cfg: RpcProgramAccountsConfig = config(params, 1)?;
                Watch::Program {
                    program,
                    encoding: cfg
                        .account_config
                        .encoding
                        .unwrap_or(UiAccountEncoding::Binary),
                    filters: cfg.filters.unwrap_or_default(),
                    last: HashMap::new(),
                }
            }
            "logsSubscribe" => match typed::<RpcTransactionLogsFilter>(params, 0)? {
                RpcTransactionLogsFilter::All | RpcTransactionLogsFilter::AllWithVotes => {
                    Watch::Logs(None)
                }
                RpcTransactionLogsFilter::Mentions(keys) if keys.len() == 1 => {
                    Watch::Logs(Some(pubkey(&json!(keys[0]))?))
                }
                RpcTransactionLogsFilter::Mentions(_) => {
                    return Err(RpcError::invalid_params(
                        "Invalid Request: Only 1 address supported",
                    ))
                }
            },
            "slotSubscribe" => Watch::Slot,
            "rootSubscribe" => Watch::Root,
            _ => return Err(RpcError::method_not_found()),
        };
        if self.watches.len() >= MAX_SUBSCRIPTIONS {
            return Err(RpcError::invalid_request_because(format!(
                "too many subscriptions on this connection (limit {MAX_SUBSCRIPTIONS})"
            )));
        }
        let id = self.next_id;
        self.next_id += 1;
        // A signature already processed is notified at once, and the subscription ends.
        if let Watch::Signature(sig) = &watch {
            if let Some(result) = self.chain.status(sig) {
                let slot = self.chain.transaction_record(sig).map_or(0, |r| r.slot);
                let note = notification(watch.method(), id, signature_result(slot, result.err()));
                return Ok((json!(id), Some(note)));
            }
        }
        self.watches.insert(id, watch);
        Ok((json!(id), None))
    }

    /// Notifications `event` causes.
    async fn notify(&mut self, event: &ChainEvent) -> Vec<Value> {
        let mut out = Vec::new();
        let mut finished = Vec::new();
        let chain = self.chain;
        for (id, watch) in &mut self.watches {
            let method = watch.method();
            match (watch, event) {
                (
                    Watch::Signature(sig),
                    ChainEvent::Transaction {
                        signature,
                        slot,
                        err,
                        ..
                    },
                ) if sig == signature => {
                    out.push(notification(
                        method,
                        *id,
                        signature_result(*slot, err.clone()),
                    ));
                    finished.push(*id);
                }
                (
                    Watch::Logs(filter),
                    ChainEvent::Transaction {
                        signature,
                        slot,
                        err,
                        logs,
                        accounts,
                    },
                ) if filter.is_none_or(|key| accounts.contains(&key)) => {
                    let value = json!({
                        "signature": signature.to_string(),
                        "err": err.clone().map(UiTransactionError::from),
                        "logs": logs.as_slice(),
                    });
                    out.push(notification(method, *id, with_slot(*slot, value)));
                }
                (Watch::Slot, ChainEvent::Slot { slot, parent }) => {
                    out.push(notification(
                        method,
                        *id,
                        json!({"parent": parent, "root": slot, "slot": slot}),
                    ));
                }
                (Watch::Root, ChainEvent::Slot { slot, .. }) => {
                    out.push(notification(method, *id, json!(slot)));
                }
                (
                    Watch::Account {
                        address,
                        encoding,
                        last,
                    },
                    _,
                ) => {
                    let Some(slot) = touched(event, address) else {
                        continue;
                    };
                    let Ok(now) = chain.account(address).await else {
                        continue;
                    };
                    if now == *last {
                        continue;
                    }
                    *last = now.clone();
                    let account = now.unwrap_or_default();
                    let ctx = Ctx { chain, slot };
                    if let Ok(ui) = encode(&ctx, address, &account, *encoding, None).await {
                        out.push(notification(method, *id, with_slot(slot, json!(ui))));
                    }
                }
                (
                    Watch::Program {
                        program,
                        encoding,
                        filters,
                        last,
                    },
                    _,
                ) => {
                    let (slot, candidates): (u64, Vec<Pubkey>) = match event {
                        ChainEvent::Transaction { slot, accounts, .. } => {
                            (*slot, accounts.to_vec())
                        }
                        ChainEvent::AccountWritten { address, slot } => (*slot, vec![*address]),
                        ChainEvent::Slot { .. } => continue,
                    };
                    for address in candidates {
                        let Ok(Some(account)) = chain.account(&address).await else {
                            continue;
                        };
                        if account.owner != *program || last.get(&address) == Some(&account) {
                            continue;
                        }
                        last.insert(address, account.clone());
                        if !filters.iter().all(|f| allows(f, &account)) {
                            continue;
                        }
                        let ctx = Ctx { chain, slot };
                        if let Ok(ui) = encode(&ctx, &address, &account, *encoding, None).await {
                            let value = json!({"pubkey": address.to_string(), "account": ui});
                            out.push(notification(method, *id, with_slot(slot, value)));
                        }
                    }
                }
                _ => {}
            }
        }
        for id in finished {
            self.watches.remove(&id);
        }
        out
    }

    /// After falling behind the event stream: signatures that landed meanwhile are notified.
    async fn catch_up(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        let landed: Vec<(u64, Signature)> = self
            .watches
            .iter()
            .filter_map(|(id, w)| match w {
                Watch::Signature(sig) if self.chain.status(sig).is_some() => Some((*id, *sig)),
                _ => None,
            })
            .collect();
        for (id, sig) in landed {
            let err = self.chain.status(&sig).and_then(Result::err);
            let slot = self.chain.transaction_record(&sig).map_or(0, |r| r.slot);
            out.push(notification(
                "signatureNotification",
                id,
                signature_result(slot, err),
            ));
            self.watches.remove(&id);
        }
        out
    }
}

/// The slot `event` touched `address` in, if it did.
fn touched(event: &ChainEvent, address: &Pubkey) -> Option<u64> {
    match event {
        ChainEvent::Transaction { slot, accounts, .. } if accounts.contains(address) => Some(*slot),
        ChainEvent::AccountWritten {
            address: written,
            slot,
        } if written == address => Some(*slot),
        _ => None,
    }
}
