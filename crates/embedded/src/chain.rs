//! [`EmbeddedChain`]: start the bank, send transactions (legacy or v0 with lookup tables), read
//! accounts, move the clock.
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_account::{Account, AccountSharedData};
use solana_banks_interface::TransactionMetadata;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_message::AddressLookupTableAccount;
use solana_program_test::{BanksClient, ProgramTest, ProgramTestContext};
use solana_rent::Rent;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use tokio::sync::{broadcast, Mutex, RwLock};

pub use agentrunner_client::chain::CpiRecord;

use crate::{
    events::{ChainEvent, EVENT_BACKLOG},
    index::{Block, Index, TxRecord},
    logs::nest,
    programs::{native_programs, NativeProgram},
    MS_PER_SLOT,
};

/// Lamports given to the deployer (the programs' upgrade authority) at genesis.
const DEPLOYER_LAMPORTS: u64 = 1_000_000_000_000;
/// Largest transaction a Solana validator accepts (IPv6 MTU minus headers), in bytes.
pub const PACKET_DATA_SIZE: usize = 1_232;
/// Fee per verified signature (the genesis fee rate of the embedded bank).
pub(crate) const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// Addresses per `extend_lookup_table` instruction.
pub(crate) const LOOKUP_TABLE_CHUNK: usize = 20;

/// Why a transaction did not land.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The signed transaction is larger than a network packet (1,232 bytes): a validator would
    /// never receive it.
    #[error("transaction too large: {0} bytes > 1232")]
    TooLarge(usize),
    /// The bank rejected or failed the transaction; `logs` holds the runtime log.
    #[error("transaction failed: {error}")]
    Transaction {
        error: TransactionError,
        logs: Vec<String>,
    },
    /// The given keypairs cannot sign the message, or it does not compile.
    #[error("cannot build or sign: {0}")]
    Signing(String),
    /// The in-process banks service failed.
    #[error("banks service: {0}")]
    Banks(String),
}

impl ChainError {
    /// The transaction error, if the bank produced one.
    pub fn transaction_error(&self) -> Option<&TransactionError> {
        match self {
            ChainError::Transaction { error, .. } => Some(error),
            _ => None,
        }
    }
}

pub(crate) fn banks(e: impl std::fmt::Display) -> ChainError {
    ChainError::Banks(e.to_string())
}

/// What a landed transaction produced.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    pub signature: Signature,
    /// Fee paid by the fee payer, in lamports.
    pub fee: u64,
    /// Serialized size of the signed transaction on the wire, in bytes.
    pub wire_bytes: usize,
    /// Number of signatures.
    pub signatures: usize,
    pub logs: Vec<String>,
}

/// A landed transaction with every CPI it made, grouped by top-level instruction.
#[derive(Debug, Clone)]
pub struct TracedOutcome {
    pub outcome: TxOutcome,
    pub inner: Vec<Vec<CpiRecord>>,
}

impl TracedOutcome {
    /// All CPIs, in execution order.
    pub fn cpis(&self) -> impl Iterator<Item = &CpiRecord> {
        self.inner.iter().flatten()
    }
}

/// A real bank in-process with every AgentRunner program loaded.
pub struct EmbeddedChain {
    pub(crate) context: Mutex<ProgramTestContext>,
    /// Every bank access holds it: reads and simulations share it; sends, clock warps and
    /// account writes hold it alone ([`Self::exclusive`], which moves the bank generation on).
    /// A warp replaces the working bank under the bank forks' write lock while blocking its
    /// thread, so it must never overlap a simulation or read that holds the program cache (the
    /// `serve` deadlock); and a traced send's trace is exactly the execution that landed. Never
    /// acquired twice by one task: gated methods call only `*_ungated` helpers.
    pub(crate) bank_gate: RwLock<()>,
    pub(crate) banks: BanksClient,
    pub(crate) payer: Keypair,
    pub(crate) deployer: Keypair,
    pub(crate) rent: Rent,
    /// Signatures sent under the current blockhash; a repeat forces a fresh blockhash so an
    /// identical retry is a new transaction, not a duplicate.
    pub(crate) sent: std::sync::Mutex<HashSet<Signature>>,
    /// The result of every transaction processed, by signature (what a cluster's status cache
    /// answers; kept for the chain's lifetime).
    pub(crate) statuses: std::sync::Mutex<HashMap<Signature, Result<(), TransactionError>>>,
    /// Transaction history, CPIs and known accounts (what an RPC node indexes).
    pub(crate) index: std::sync::Mutex<Index>,
    /// The genesis hash: this chain's identity (CAIP-2 `solana:<genesis>`).
    pub(crate) genesis_hash: Hash,
    /// Every transaction, slot and direct write, as it happens.
    pub(crate) events: broadcast::Sender<ChainEvent>,
    /// Decimals of every mint a transaction's token balances needed (they never change).
    pub(crate) decimals: std::sync::Mutex<HashMap<Pubkey, u8>>,
    /// Transactions the served cluster refused in preflight.
    pub(crate) refusals: crate::refusals::Refusals,
    /// Moves on as each exclusive hold of the gate ends (`simulations`).
    pub(crate) generation: std::sync::atomic::AtomicU64,
    /// Successful simulations of the current bank, reused to trace their sends.
    pub(crate) simulations: std::sync::Mutex<crate::simulations::Simulations>,
}

/// `ProgramTest::default` turns the process's logger up to every program's log line at debug
/// (hundreds of thousands of stderr lines in a test run); those lines are already in each
/// transaction's logs, so only warnings pass unless `RUST_LOG` asks for more.
fn quiet_program_test_logger() {
    if std::env::var_os("RUST_LOG").is_none() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}

impl EmbeddedChain {
    /// Starts a fresh bank with all programs loaded and their ProgramData accounts written.
    pub async fn start() -> Result<Self, ChainError> {
        Self::start_with(Vec::new()).await
    }

    /// [`Self::start`] with `extra` programs loaded beside AgentRunner's (a test's adversary
    /// venue, say).
    pub async fn start_with(extra: Vec<NativeProgram>) -> Result<Self, ChainError> {
        // Natively built programs' `msg!` lines go into the transaction's log, as on SBF.
        solana_msg::set_native_logger(crate::logs::route);
        let deployer = Keypair::new();
        let mut program_test = ProgramTest::default();
        quiet_program_test_logger();
        program_test.prefer_bpf(false);
        for program in native_programs().into_iter().chain(extra) {
            program_test.add_builtin_program(program.name, program.id, program.entry);
            if program.upgradeable {
                let (address, account) = program_data_account(&program.id, &deployer.pubkey());
                program_test.add_account(address, account);
            }
        }
        program_test.add_account(
            deployer.pubkey(),
            Account {
                lamports: DEPLOYER_LAMPORTS,
                ..Account::default()
            },
        );
        let context = program_test.start_with_context().await;
        let genesis_hash = context.genesis_config().hash();
        let client = context.banks_client.clone();
        let payer = context.payer.insecure_clone();
        let rent = client.get_rent().await.map_err(banks)?;
        Ok(Self {
            context: Mutex::new(context),
            bank_gate: RwLock::new(()),
            banks: client,
            payer,
            deployer,
            rent,
            sent: std::sync::Mutex::new(HashSet::new()),
            statuses: std::sync::Mutex::new(HashMap::new()),
            index: std::sync::Mutex::new(Index::default()),
            genesis_hash,
            events: broadcast::channel(EVENT_BACKLOG).0,
            decimals: std::sync::Mutex::new(HashMap::new()),
            refusals: Default::default(),
            generation: Default::default(),
            simulations: Default::default(),
        })
    }

    /// The genesis keypair: pays fees by default and funds wallets. Mint authority of every mint
    /// created through [`crate::token`] helpers.
    pub fn payer(&self) -> &Keypair {
        &self.payer
    }

    /// Every event from now on (transactions processed, slots reached, accounts written).
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }

    /// The genesis hash (the cluster's identity).
    pub fn genesis_hash(&self) -> Hash {
        self.genesis_hash
    }

    /// Upgrade authority of every AgentRunner program (what `solana program deploy` would leave).
    pub fn deployer(&self) -> &Keypair {
        &self.deployer
    }

    pub fn rent(&self) -> &Rent {
        &self.rent
    }

    /// Sends `ixs` with the chain payer as fee payer; `signers` are the other signers. Keypairs
    /// the message does not need are ignored, so callers may pass a superset.
    pub async fn send(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        self.send_with_payer(&self.payer, ixs, signers).await
    }

    /// Sends `ixs` with `fee_payer` paying the fee (legacy message).
    pub async fn send_with_payer(
        &self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        self.send_v0(fee_payer, ixs, signers, &[]).await
    }

    /// Sends `ixs` with `fee_payer` paying; with lookup tables it is a v0 transaction whose
    /// table addresses take one byte each instead of 32.
    pub async fn send_v0(
        &self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> Result<TxOutcome, ChainError> {
        let tx = self.sign(fee_payer, ixs, signers, tables).await?;
        self.process(tx).await
    }

    /// Sends like [`Self::send`] and also returns every CPI the transaction made (events emitted
    /// with `emit_cpi!`, noop change logs, token transfers).
    pub async fn send_traced(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TracedOutcome, ChainError> {
        self.send_traced_v0(&self.payer, ixs, signers, &[]).await
    }

    /// [`Self::send_traced`] with a fee payer and lookup tables.
    pub async fn send_traced_v0(
        &self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> Result<TracedOutcome, ChainError> {
        let tx = self.sign(fee_payer, ixs, signers, tables).await?;
        self.process_traced(tx).await
    }

    /// Processes `tx` with the CPIs of a simulation of it on the same bank — the one just made
    /// before sending it when there was one (`simulations`), else one made here under the
    /// exclusive hold — so they are exactly those of the execution that lands; they are kept
    /// in the index.
    pub async fn process_traced(
        &self,
        tx: VersionedTransaction,
    ) -> Result<TracedOutcome, ChainError> {
        let _exclusive = self.exclusive().await;
        let resolved = self.message_keys(&tx.message).await?;
        let keys = resolved.0.clone();
        let simulated = match self.simulated_cpis(&tx) {
            Some(inner) => inner,
            None => self
                .banks
                .simulate_transaction(tx.clone())
                .await
                .map_err(banks)?
                .simulation_details
                .and_then(|details| details.inner_instructions)
                .unwrap_or_default(),
        };
        let inner: Vec<Vec<CpiRecord>> = simulated
            .into_iter()
            .map(|list| {
                list.into_iter()
                    .map(|inner| CpiRecord {
                        program_id: keys[usize::from(inner.instruction.program_id_index)],
                        accounts: inner
                            .instruction
                            .accounts
                            .iter()
                            .map(|i| keys[usize::from(*i)])
                            .collect(),
                        data: inner.instruction.data,
                        stack_height: inner.stack_height,
                    })
                    .collect()
            })
            .collect();
        let signature = tx.signatures[0];
        let result = self.process_resolved(tx, resolved).await;
        // Only a successful transaction's CPIs are effects (a failed one reverted them).
        if self.status(&signature) == Some(Ok(())) {
            self.indexed().cpis_of(signature, inner.clone());
        }
        Ok(TracedOutcome {
            outcome: result?,
            inner,
        })
    }

    fn indexed(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().expect("index poisoned")
    }

    /// Signatures of processed transactions that named `address`, oldest first.
    pub fn history(&self, address: &Pubkey) -> Vec<Signature> {
        self.indexed().history(address)
    }

    /// The CPIs of a successful transaction processed through [`Self::process_traced`],
    /// grouped by top-level instruction.
    pub fn inner_instructions(&self, signature: &Signature) -> Option<Vec<Vec<CpiRecord>>> {
        self.indexed().cpis(signature)
    }

    /// The sealed block of `slot` (a slot is sealed when the clock leaves it).
    pub fn block(&self, slot: u64) -> Option<Block> {
        self.indexed().block(slot)
    }

    /// Slots of sealed blocks in `range`, ascending, at most `limit`.
    pub fn block_slots(&self, range: std::ops::RangeInclusive<u64>, limit: usize) -> Vec<u64> {
        self.indexed().block_slots(range, limit)
    }

    /// A processed transaction as an RPC node would serve it.
    pub fn transaction_record(&self, signature: &Signature) -> Option<TxRecord> {
        self.indexed().record(signature)
    }

    /// The transactions `fee_payer` sent that the served cluster refused in preflight (never
    /// landed), oldest first, of the latest [`crate::refusals::KEPT`].
    pub fn refusals_of(&self, fee_payer: &Pubkey) -> Vec<crate::refusals::Refusal> {
        self.refusals.of(fee_payer)
    }

    /// Records a transaction refused in preflight.
    pub(crate) fn record_refusal(&self, refusal: crate::refusals::Refusal) {
        self.refusals.record(refusal);
    }

    /// Known accounts owned by one of `programs` (as last written), sorted: where
    /// `getProgramAccounts` looks.
    pub fn accounts_owned_by(&self, programs: &[Pubkey]) -> Vec<Pubkey> {
        let mut owned = self.indexed().owned_by(programs);
        owned.sort();
        owned
    }

    /// The recorded result of a processed transaction.
    pub fn status(&self, signature: &Signature) -> Option<Result<(), TransactionError>> {
        self.statuses
            .lock()
            .expect("statuses poisoned")
            .get(signature)
            .cloned()
    }

    /// Builds and signs a transaction on a blockhash that has not carried this exact message.
    pub async fn sign(
        &self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> Result<VersionedTransaction, ChainError> {
        loop {
            let blockhash = {
                let _shared = self.bank_gate.read().await;
                self.latest_blockhash_ungated().await?
            };
            let tx = agentrunner_client::send::sign_transaction(
                fee_payer, ixs, signers, tables, blockhash,
            )
            .map_err(|e| ChainError::Signing(e.to_string()))?;
            let fresh = self
                .sent
                .lock()
                .expect("sent set poisoned")
                .insert(tx.signatures[0]);
            if fresh {
                return Ok(tx);
            }
            self.advance_blockhash().await?;
        }
    }

    /// Processes a signed transaction and reports its cost.
    pub async fn process(&self, tx: VersionedTransaction) -> Result<TxOutcome, ChainError> {
        // Alone, so the balances read before and after it are its own.
        let _exclusive = self.exclusive().await;
        let keys = self.message_keys(&tx.message).await?;
        self.process_resolved(tx, keys).await
    }

    /// [`Self::process`] with the message's keys already resolved (the caller holds the gate).
    async fn process_resolved(
        &self,
        tx: VersionedTransaction,
        (keys, loaded_writable): (Vec<Pubkey>, usize),
    ) -> Result<TxOutcome, ChainError> {
        let signature = tx.signatures[0];
        let wire_bytes = bincode::serialize(&tx).map_err(banks)?.len();
        let signatures = tx.signatures.len();
        if wire_bytes > PACKET_DATA_SIZE {
            return Err(ChainError::TooLarge(wire_bytes));
        }
        let fee = self.fee(&tx.message).await?;
        let clock = self.clock_ungated().await?;
        let record_tx = tx.clone();
        let pre = self.balances_ungated(&keys).await?;
        let result = self
            .banks
            .process_transaction_with_metadata(tx)
            .await
            .map_err(banks)?;
        let after = self.accounts_ungated(&keys).await?;
        let post = self.balances_of(&after).await?;
        let owners = after.iter().map(|a| a.as_ref().map(|a| a.owner));
        let (logs, compute_units) = result
            .metadata
            .map(|m: TransactionMetadata| (nest(m.log_messages), m.compute_units_consumed))
            .unwrap_or_default();
        let _ = self.events.send(ChainEvent::Transaction {
            signature,
            slot: clock.slot,
            err: result.result.clone().err(),
            logs: Arc::new(logs.clone()),
            accounts: Arc::new(keys.clone()),
        });
        self.indexed().transaction(
            signature,
            TxRecord {
                tx: record_tx,
                slot: clock.slot,
                keys,
                loaded_writable,
                fee,
                logs: logs.clone(),
                unix_time: clock.unix_timestamp,
                pre,
                post,
                compute_units,
            },
            owners,
        );
        // The first execution's result stands: a duplicate is refused as AlreadyProcessed
        // without replacing it, as a cluster's status cache would.
        self.statuses
            .lock()
            .expect("statuses poisoned")
            .entry(signature)
            .or_insert_with(|| result.result.clone());
        match result.result {
            Ok(()) => Ok(TxOutcome {
                signature,
                fee,
                wire_bytes,
                signatures,
                logs,
            }),
            Err(error) => Err(ChainError::Transaction { error, logs }),
        }
    }

    async fn advance_blockhash(&self) -> Result<(), ChainError> {
        self.warp_slots(1).await
    }

    /// Moves `lamports` from the chain payer to `to`.
    pub async fn fund(&self, to: &Pubkey, lamports: u64) -> Result<(), ChainError> {
        let ix = solana_system_interface::instruction::transfer(&self.payer.pubkey(), to, lamports);
        self.send(&[ix], &[]).await.map(|_| ())
    }

    /// A new keypair holding `lamports`.
    pub async fn funded_keypair(&self, lamports: u64) -> Result<Keypair, ChainError> {
        let keypair = Keypair::new();
        self.fund(&keypair.pubkey(), lamports).await?;
        Ok(keypair)
    }

    /// Writes an account directly (oracle feeds and fixtures; nothing a transaction could not
    /// also produce on a real cluster through the owning program).
    pub async fn set_account(&self, address: &Pubkey, account: Account) {
        let _exclusive = self.exclusive().await;
        self.indexed().account(*address, account.owner);
        self.context
            .lock()
            .await
            .set_account(address, &AccountSharedData::from(account));
        if let Ok(clock) = self.clock_ungated().await {
            let _ = self.events.send(ChainEvent::AccountWritten {
                address: *address,
                slot: clock.slot,
            });
        }
    }

    /// Advances the unix clock by `seconds` and the slot by the same span of time.
    pub async fn warp_seconds(&self, seconds: i64) -> Result<(), ChainError> {
        let millis = u64::try_from(seconds).unwrap_or(0).saturating_mul(1_000);
        let slots = millis.div_ceil(MS_PER_SLOT).max(1);
        self.warp(slots, seconds).await
    }

    /// Advances the slot by `slots` and the unix clock by the same span of time.
    pub async fn warp_slots(&self, slots: u64) -> Result<(), ChainError> {
        let seconds = i64::try_from(slots.saturating_mul(MS_PER_SLOT) / 1_000).unwrap_or(i64::MAX);
        self.warp(slots.max(1), seconds).await
    }

    async fn warp(&self, slots: u64, seconds: i64) -> Result<(), ChainError> {
        let _exclusive = self.exclusive().await;
        let mut context = self.context.lock().await;
        let before = self.clock_ungated().await?;
        let sealed_hash = self.latest_blockhash_ungated().await?;
        let height = self.banks.get_root_block_height().await.map_err(banks)?;
        self.indexed()
            .seal(before.slot, sealed_hash, before.unix_timestamp, height);
        context
            .warp_to_slot(before.slot.saturating_add(slots))
            .map_err(banks)?;
        let mut after = self.clock_ungated().await?;
        after.unix_timestamp = before.unix_timestamp.saturating_add(seconds);
        context.set_sysvar(&after);
        self.sent.lock().expect("sent set poisoned").clear();
        let _ = self.events.send(ChainEvent::Slot {
            slot: after.slot,
            parent: after.slot.saturating_sub(1),
        });
        Ok(())
    }
}

/// The ProgramData account the upgradeable loader keeps for a deployed program.
fn program_data_account(program_id: &Pubkey, authority: &Pubkey) -> (Pubkey, Account) {
    let address =
        anchor_lang::solana_program::bpf_loader_upgradeable::get_program_data_address(program_id);
    let state = UpgradeableLoaderState::ProgramData {
        slot: 0,
        upgrade_authority_address: Some(*authority),
    };
    let data = bincode::serialize(&state).expect("in-memory bincode serialization cannot fail");
    let account = Account {
        lamports: Rent::default().minimum_balance(data.len()),
        data,
        owner: anchor_lang::solana_program::bpf_loader_upgradeable::ID,
        executable: false,
        rent_epoch: 0,
    };
    (address, account)
}
