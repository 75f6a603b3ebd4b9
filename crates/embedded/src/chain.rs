//! [`EmbeddedChain`]: start the bank, send transactions, read accounts, move the clock.
use std::collections::HashSet;

use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, AccountDeserialize};
use solana_account::{Account, AccountSharedData};
use solana_banks_interface::TransactionMetadata;
use solana_clock::Clock;
use solana_keypair::Keypair;
use solana_loader_v3_interface::state::UpgradeableLoaderState;
use solana_program_test::{BanksClient, ProgramTest, ProgramTestContext};
use solana_rent::Rent;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use tokio::sync::Mutex;

use crate::{programs::native_programs, MS_PER_SLOT};

/// Largest transaction a Solana validator accepts (IPv6 MTU minus headers), in bytes.
pub const PACKET_DATA_SIZE: usize = 1_232;

/// Lamports given to the deployer (the programs' upgrade authority) at genesis.
const DEPLOYER_LAMPORTS: u64 = 1_000_000_000_000;

/// Why a transaction did not land.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The signed transaction is larger than a network packet (1,232 bytes): a validator would
    /// never receive it.
    #[error("transaction too large: {0} bytes > 1232")]
    TooLarge(usize),
    /// The bank rejected or failed the transaction; `logs` holds the program log.
    #[error("transaction failed: {error}")]
    Transaction {
        error: TransactionError,
        logs: Vec<String>,
    },
    /// The given keypairs cannot sign the message (missing signer).
    #[error("cannot sign: {0}")]
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

/// One instruction a program invoked by CPI while the transaction ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpiRecord {
    pub program_id: Pubkey,
    pub accounts: Vec<Pubkey>,
    pub data: Vec<u8>,
    /// 2 for an instruction invoked by a top-level instruction, 3 one level deeper, ...
    pub stack_height: u8,
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
    context: Mutex<ProgramTestContext>,
    /// Plain sends share it; a traced send (simulate, then process) holds it alone, so the trace
    /// it returns is exactly the execution that landed.
    trace_lock: tokio::sync::RwLock<()>,
    banks: BanksClient,
    payer: Keypair,
    deployer: Keypair,
    rent: Rent,
    /// Signatures sent under the current blockhash; a repeat forces a fresh blockhash so an
    /// identical retry is a new transaction, not a duplicate.
    sent: std::sync::Mutex<HashSet<Signature>>,
}

impl EmbeddedChain {
    /// Starts a fresh bank with all programs loaded and their ProgramData accounts written.
    pub async fn start() -> Result<Self, ChainError> {
        let deployer = Keypair::new();
        let mut program_test = ProgramTest::default();
        program_test.prefer_bpf(false);
        for program in native_programs() {
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
        let banks = context.banks_client.clone();
        let payer = context.payer.insecure_clone();
        let rent = banks
            .get_rent()
            .await
            .map_err(|e| ChainError::Banks(e.to_string()))?;
        Ok(Self {
            context: Mutex::new(context),
            trace_lock: tokio::sync::RwLock::new(()),
            banks,
            payer,
            deployer,
            rent,
            sent: std::sync::Mutex::new(HashSet::new()),
        })
    }

    /// The genesis keypair: pays fees by default and funds wallets. Mint authority of every mint
    /// created through [`crate::token`] helpers.
    pub fn payer(&self) -> &Keypair {
        &self.payer
    }

    /// Upgrade authority of every AgentRunner program (what `solana program deploy` would leave).
    pub fn deployer(&self) -> &Keypair {
        &self.deployer
    }

    pub fn rent(&self) -> &Rent {
        &self.rent
    }

    /// A handle to the bank for direct queries.
    pub fn banks(&self) -> &BanksClient {
        &self.banks
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

    /// Sends `ixs` with `fee_payer` paying the fee.
    pub async fn send_with_payer(
        &self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TxOutcome, ChainError> {
        let tx = self.sign(fee_payer, ixs, signers).await?;
        let _shared = self.trace_lock.read().await;
        self.process(tx).await
    }

    /// Sends like [`Self::send`] and also returns every CPI the transaction made (events emitted
    /// with `emit_cpi!`, noop change logs, token transfers).
    pub async fn send_traced(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TracedOutcome, ChainError> {
        let tx = self.sign(&self.payer, ixs, signers).await?;
        let _exclusive = self.trace_lock.write().await;
        let simulation = self
            .banks
            .simulate_transaction(tx.clone())
            .await
            .map_err(|e| ChainError::Banks(e.to_string()))?;
        let keys = tx.message.account_keys.clone();
        let inner = simulation
            .simulation_details
            .and_then(|details| details.inner_instructions)
            .unwrap_or_default()
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
        let outcome = self.process(tx).await?;
        Ok(TracedOutcome { outcome, inner })
    }

    /// Builds and signs a transaction on a blockhash that has not carried this exact message.
    pub async fn sign(
        &self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Transaction, ChainError> {
        loop {
            let blockhash = self.latest_blockhash().await?;
            let mut tx = Transaction::new_with_payer(ixs, Some(&fee_payer.pubkey()));
            let needed: Vec<Pubkey> = tx.message.account_keys
                [..usize::from(tx.message.header.num_required_signatures)]
                .to_vec();
            let mut keys: Vec<&Keypair> = vec![fee_payer];
            for signer in signers {
                let key = signer.pubkey();
                if needed.contains(&key) && !keys.iter().any(|k| k.pubkey() == key) {
                    keys.push(signer);
                }
            }
            tx.try_sign(&keys, blockhash)
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
    pub async fn process(&self, tx: Transaction) -> Result<TxOutcome, ChainError> {
        let signature = tx.signatures[0];
        let wire_bytes = bincode_size(&tx);
        let signatures = tx.signatures.len();
        if wire_bytes > PACKET_DATA_SIZE {
            return Err(ChainError::TooLarge(wire_bytes));
        }
        let fee = self
            .banks
            .get_fee_for_message(tx.message.clone())
            .await
            .map_err(|e| ChainError::Banks(e.to_string()))?
            .unwrap_or_default();
        let result = self
            .banks
            .process_transaction_with_metadata(tx)
            .await
            .map_err(|e| ChainError::Banks(e.to_string()))?;
        let logs = result
            .metadata
            .map(|m: TransactionMetadata| m.log_messages)
            .unwrap_or_default();
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

    async fn latest_blockhash(&self) -> Result<solana_hash::Hash, ChainError> {
        self.banks
            .get_latest_blockhash()
            .await
            .map_err(|e| ChainError::Banks(e.to_string()))
    }

    async fn advance_blockhash(&self) -> Result<(), ChainError> {
        self.warp_slots(1).await
    }

    /// The account at `address`, if it exists.
    pub async fn account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.banks
            .get_account(*address)
            .await
            .map_err(|e| ChainError::Banks(e.to_string()))
    }

    /// Decodes the Anchor account `T` at `address` (discriminator checked).
    pub async fn anchor_account<T: AccountDeserialize>(
        &self,
        address: &Pubkey,
    ) -> Result<T, ChainError> {
        let account = self
            .account(address)
            .await?
            .ok_or_else(|| ChainError::Banks(format!("account {address} not found")))?;
        T::try_deserialize(&mut account.data.as_slice())
            .map_err(|e| ChainError::Banks(format!("decode {address}: {e}")))
    }

    /// Lamports held by `address` (0 if it does not exist).
    pub async fn balance(&self, address: &Pubkey) -> Result<u64, ChainError> {
        self.banks
            .get_balance(*address)
            .await
            .map_err(|e| ChainError::Banks(e.to_string()))
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
        self.context
            .lock()
            .await
            .set_account(address, &AccountSharedData::from(account));
    }

    /// The current Clock sysvar.
    pub async fn clock(&self) -> Result<Clock, ChainError> {
        self.banks
            .get_sysvar::<Clock>()
            .await
            .map_err(|e| ChainError::Banks(e.to_string()))
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
        let mut context = self.context.lock().await;
        let before = self.clock().await?;
        context
            .warp_to_slot(before.slot.saturating_add(slots))
            .map_err(|e| ChainError::Banks(e.to_string()))?;
        let mut after = self.clock().await?;
        after.unix_timestamp = before.unix_timestamp.saturating_add(seconds);
        context.set_sysvar(&after);
        self.sent.lock().expect("sent set poisoned").clear();
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
    let data = bincode_serialize(&state);
    let account = Account {
        lamports: Rent::default().minimum_balance(data.len()),
        data,
        owner: anchor_lang::solana_program::bpf_loader_upgradeable::ID,
        executable: false,
        rent_epoch: 0,
    };
    (address, account)
}

fn bincode_serialize<T: serde::Serialize>(value: &T) -> Vec<u8> {
    bincode::serialize(value).expect("in-memory bincode serialization cannot fail")
}

fn bincode_size(tx: &Transaction) -> usize {
    bincode_serialize(tx).len()
}
