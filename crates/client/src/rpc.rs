//! [`RpcChain`]: a Solana JSON-RPC endpoint as a [`Chain`] (devnet, mainnet-beta, a local
//! validator, or `agentrunner serve`'s embedded chain). Reads use `confirmed` commitment;
//! broadcasts skip preflight (the [`crate::send::Sender`] simulates first) and ask the node not
//! to retry (the sender rebroadcasts the same bytes itself).
//!
//! Account reads never go back in time (docs/SECURITY-TESTPLAN.md K-06): each asks for
//! `minContextSlot` = the highest slot any earlier read answered at (shared by the endpoints of
//! a [`crate::failover::Failover`]), so a lagging node refuses (-32016) instead of serving old
//! state. Failures another endpoint could avoid — transport errors, timeouts, HTTP 429/410/5xx,
//! unhealthy (-32005) or lagging (-32016) nodes — are [`ClientError::Unavailable`].
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_clock::Clock;
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_types::{
    config::{
        RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
        RpcSimulateTransactionConfig, RpcTransactionConfig,
    },
    filter::{Memcmp, MemcmpEncodedBytes, RpcFilterType},
};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, UiInstruction, UiTransactionEncoding,
};

use crate::{
    chain::{Chain, CpiRecord, SignatureStatus, Simulation},
    ClientError, ClientResult,
};

/// Accounts per `getMultipleAccounts` request (the RPC limit).
const MULTIPLE_ACCOUNTS_LIMIT: usize = 100;
/// Signatures per `getSignaturesForAddress` page.
const SIGNATURES_PAGE: usize = 1_000;

/// How long one request may take before the endpoint counts as unavailable.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// JSON-RPC errors meaning "not this node, not now".
const RETRYABLE_CODES: [i64; 3] = [
    solana_rpc_client::api::custom_error::JSON_RPC_SERVER_ERROR_NODE_UNHEALTHY,
    solana_rpc_client::api::custom_error::JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED,
    solana_rpc_client::api::custom_error::JSON_RPC_SERVER_ERROR_BLOCK_STATUS_NOT_AVAILABLE_YET,
];

/// A JSON-RPC endpoint.
pub struct RpcChain {
    client: RpcClient,
    url: String,
    /// The highest slot a read answered at; later reads ask for at least it.
    floor: Arc<AtomicU64>,
}

fn rpc(e: impl std::fmt::Display) -> ClientError {
    ClientError::Chain(e.to_string())
}

/// An RPC client error, [`ClientError::Unavailable`] when another endpoint could answer.
fn request(e: solana_rpc_client::api::client_error::Error) -> ClientError {
    use solana_rpc_client::api::{client_error::ErrorKind, request::RpcError};
    let retryable = match e.kind() {
        ErrorKind::Io(_) | ErrorKind::Reqwest(_) => true,
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => {
            RETRYABLE_CODES.contains(code)
        }
        _ => false,
    };
    if retryable {
        ClientError::Unavailable(e.to_string())
    } else {
        ClientError::Chain(e.to_string())
    }
}

impl RpcChain {
    /// Simulates `ixs` paid by `fee_payer` with no signature at all (`sigVerify: false`, the
    /// cluster's own recent blockhash): how a third party without a key runs a read-only
    /// instruction such as `receipts::verify_receipt`. Nothing is signed, sent or paid;
    /// `fee_payer` only has to be a funded system account.
    pub async fn simulate_unsigned(
        &self,
        fee_payer: &Pubkey,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
    ) -> ClientResult<Simulation> {
        let message = crate::send::compile_message(fee_payer, ixs, &[], Hash::default())?;
        let signatures = usize::from(message.header().num_required_signatures);
        let tx = VersionedTransaction {
            signatures: vec![Signature::default(); signatures],
            message,
        };
        self.simulate_with(&tx, false).await
    }

    /// Simulates `tx`: signatures checked and its own blockhash (`signed`), or neither.
    async fn simulate_with(
        &self,
        tx: &VersionedTransaction,
        signed: bool,
    ) -> ClientResult<Simulation> {
        let result = self
            .client
            .simulate_transaction_with_config(
                tx,
                RpcSimulateTransactionConfig {
                    sig_verify: signed,
                    replace_recent_blockhash: !signed,
                    commitment: Some(CommitmentConfig::confirmed()),
                    ..RpcSimulateTransactionConfig::default()
                },
            )
            .await
            .map_err(request)?
            .value;
        Ok(Simulation {
            error: result.err.map(Into::into),
            logs: result.logs.unwrap_or_default(),
            units_consumed: result.units_consumed,
        })
    }

    /// Connects to `url` (`https://api.devnet.solana.com`, `http://127.0.0.1:8899`, ...).
    pub fn new(url: &str) -> Self {
        Self::with(url, Arc::default(), REQUEST_TIMEOUT)
    }

    /// [`Self::new`] sharing the read floor `floor` (with the other endpoints of a failover)
    /// and giving up on a request after `timeout`.
    pub fn with(url: &str, floor: Arc<AtomicU64>, timeout: Duration) -> Self {
        Self {
            client: RpcClient::new_with_timeout_and_commitment(
                url.to_string(),
                timeout,
                CommitmentConfig::confirmed(),
            ),
            url: url.to_string(),
            floor,
        }
    }

    /// The lowest slot the next read accepts (none before the first read).
    pub fn floor(&self) -> Option<u64> {
        Some(self.floor.load(Ordering::Acquire)).filter(|slot| *slot > 0)
    }

    fn observe(&self, slot: u64) {
        self.floor.fetch_max(slot, Ordering::AcqRel);
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The cluster's genesis hash (its identity: CAIP-2 `solana:<genesis>`).
    pub async fn genesis_hash(&self) -> ClientResult<Hash> {
        self.client.get_genesis_hash().await.map_err(request)
    }

    /// Lamports held by `address`.
    pub async fn balance(&self, address: &Pubkey) -> ClientResult<u64> {
        self.client.get_balance(address).await.map_err(request)
    }
}

impl Chain for RpcChain {
    async fn latest_blockhash(&self) -> ClientResult<(Hash, u64)> {
        self.client
            .get_latest_blockhash_with_commitment(CommitmentConfig::confirmed())
            .await
            .map_err(request)
    }

    async fn block_height(&self) -> ClientResult<u64> {
        self.client.get_block_height().await.map_err(request)
    }

    async fn broadcast(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        self.client
            .send_transaction_with_config(
                tx,
                RpcSendTransactionConfig {
                    skip_preflight: true,
                    max_retries: Some(0),
                    ..RpcSendTransactionConfig::default()
                },
            )
            .await
            .map_err(request)
    }

    async fn signature_status(&self, signature: &Signature) -> ClientResult<SignatureStatus> {
        let statuses = self
            .client
            .get_signature_statuses(&[*signature])
            .await
            .map_err(request)?;
        Ok(statuses
            .value
            .into_iter()
            .next()
            .flatten()
            .filter(|s| s.satisfies_commitment(CommitmentConfig::confirmed()))
            .map(|s| match s.err {
                None => Ok(()),
                Some(e) => Err(e),
            }))
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        self.simulate_with(tx, true).await
    }

    async fn accounts(&self, addresses: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        let mut accounts = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(MULTIPLE_ACCOUNTS_LIMIT) {
            let config = RpcAccountInfoConfig {
                encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                commitment: Some(CommitmentConfig::confirmed()),
                min_context_slot: self.floor(),
                ..RpcAccountInfoConfig::default()
            };
            let response = self
                .client
                .get_multiple_ui_accounts_with_config(chunk, config)
                .await
                .map_err(request)?;
            self.observe(response.context.slot);
            for (address, ui) in chunk.iter().zip(response.value) {
                let account = ui
                    .map(|ui| {
                        ui.decode::<Account>()
                            .ok_or_else(|| rpc(format!("account {address}: undecodable data")))
                    })
                    .transpose()?;
                accounts.push(account);
            }
        }
        Ok(accounts)
    }

    async fn clock(&self) -> ClientResult<Clock> {
        let address = solana_sdk_ids::sysvar::clock::ID;
        let account = self
            .account(&address)
            .await?
            .ok_or(ClientError::AccountNotFound(address))?;
        bincode::deserialize(&account.data).map_err(rpc)
    }

    async fn transaction_cpis(
        &self,
        signature: &Signature,
    ) -> ClientResult<Option<Vec<CpiRecord>>> {
        let Ok(found) = self
            .client
            .get_transaction_with_config(
                signature,
                RpcTransactionConfig {
                    encoding: Some(UiTransactionEncoding::Base64),
                    commitment: Some(CommitmentConfig::confirmed()),
                    max_supported_transaction_version: Some(0),
                },
            )
            .await
        else {
            return Ok(None);
        };
        let Some(tx) = found.transaction.transaction.decode() else {
            return Ok(None);
        };
        let Some(meta) = found.transaction.meta else {
            return Ok(None);
        };
        if meta.err.is_some() {
            // A failed transaction changed nothing; its partial CPIs are not effects.
            return Ok(Some(Vec::new()));
        }
        let mut keys = tx.message.static_account_keys().to_vec();
        if let OptionSerializer::Some(loaded) = &meta.loaded_addresses {
            for key in loaded.writable.iter().chain(&loaded.readonly) {
                keys.push(key.parse().map_err(rpc)?);
            }
        }
        let key = |i: u8| {
            keys.get(usize::from(i))
                .copied()
                .ok_or_else(|| rpc("account index out of range"))
        };
        let mut cpis = Vec::new();
        if let OptionSerializer::Some(groups) = meta.inner_instructions {
            for group in groups {
                for instruction in group.instructions {
                    let UiInstruction::Compiled(ix) = instruction else {
                        continue;
                    };
                    cpis.push(CpiRecord {
                        program_id: key(ix.program_id_index)?,
                        accounts: ix
                            .accounts
                            .iter()
                            .map(|i| key(*i))
                            .collect::<ClientResult<_>>()?,
                        data: bs58::decode(&ix.data).into_vec().map_err(rpc)?,
                        stack_height: ix
                            .stack_height
                            .and_then(|h| u8::try_from(h).ok())
                            .unwrap_or(2),
                    });
                }
            }
        }
        Ok(Some(cpis))
    }

    async fn signatures_for_address(&self, address: &Pubkey) -> ClientResult<Vec<Signature>> {
        self.signatures_after(address, None).await
    }

    async fn signatures_after(
        &self,
        address: &Pubkey,
        after: Option<&Signature>,
    ) -> ClientResult<Vec<Signature>> {
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .client
                .get_signatures_for_address_with_config(
                    address,
                    solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config {
                        before,
                        until: after.copied(),
                        limit: Some(SIGNATURES_PAGE),
                        commitment: Some(CommitmentConfig::confirmed()),
                    },
                )
                .await
                .map_err(request)?;
            let full = page.len() == SIGNATURES_PAGE;
            let mut last = None;
            for entry in page {
                let signature = entry.signature.parse::<Signature>().map_err(rpc)?;
                last = Some(signature);
                if entry.err.is_none() {
                    all.push(signature);
                }
            }
            before = last;
            if !full {
                break;
            }
        }
        all.reverse();
        Ok(all)
    }

    async fn recent_priority_fees(&self, writable: &[Pubkey]) -> ClientResult<Vec<u64>> {
        let fees = self
            .client
            .get_recent_prioritization_fees(writable)
            .await
            .map_err(request)?;
        Ok(fees.into_iter().map(|f| f.prioritization_fee).collect())
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        discriminator: &[u8],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        let found = self
            .client
            .get_program_ui_accounts_with_config(
                program,
                RpcProgramAccountsConfig {
                    filters: Some(vec![RpcFilterType::Memcmp(Memcmp::new(
                        0,
                        MemcmpEncodedBytes::Base58(bs58::encode(discriminator).into_string()),
                    ))]),
                    account_config: RpcAccountInfoConfig {
                        encoding: Some(
                            solana_account_decoder_client_types::UiAccountEncoding::Base64,
                        ),
                        commitment: Some(CommitmentConfig::confirmed()),
                        min_context_slot: self.floor(),
                        ..RpcAccountInfoConfig::default()
                    },
                    ..RpcProgramAccountsConfig::default()
                },
            )
            .await
            .map_err(request)?;
        found
            .into_iter()
            .map(|(key, ui)| {
                ui.decode::<Account>()
                    .map(|account| (key, account))
                    .ok_or_else(|| rpc(format!("account {key}: undecodable data")))
            })
            .collect()
    }
}
