//! Sending a transaction so that it lands at most once (docs/SECURITY-TESTPLAN.md §6.3):
//!
//! 1. simulate first; a transaction that would fail is never broadcast (K-12);
//! 2. sign once per blockhash and journal the signed bytes before broadcasting (K-04);
//! 3. rebroadcast the *same bytes* until the signature lands or its blockhash expires — never
//!    re-sign early (K-02); a preflight refusal such as `BlockhashNotFound` from a lagging node
//!    does not stop the tracking (K-03);
//! 4. only after expiry re-sign with a fresh blockhash;
//! 5. after a restart, an intent with a journaled in-flight signature is tracked to its end
//!    before anything new is signed.
//!
//! Whether an on-chain refusal means "already done" is the caller's call (keepers treat their
//! programs' "already done" errors as success, K-01/K-05).
use std::time::Duration;

use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_hash::Hash;
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_message::{v0, AddressLookupTableAccount, Message, VersionedMessage};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::{
    chain::{Chain, Simulation},
    priority::{written_accounts, PriorityFee},
    ClientError,
};

/// Largest transaction the network carries, bytes.
pub const PACKET_DATA_SIZE: usize = 1_232;

/// How persistently to send.
#[derive(Clone, Copy, Debug)]
pub struct SendPolicy {
    /// Pause between status polls.
    pub poll_interval: Duration,
    /// Status polls after each broadcast of the same bytes.
    pub polls_per_broadcast: u32,
    /// Broadcasts of one signed transaction before giving up *without* re-signing (the
    /// signature stays journaled and is tracked again next time).
    pub max_broadcasts: u32,
    /// Fresh blockhashes tried after expiries.
    pub max_resigns: u32,
    /// The compute-unit price to bid (none by default).
    pub priority: PriorityFee,
    /// Simulate before broadcasting, and broadcast nothing the programs refuse (the default).
    /// Off, a refused transaction is broadcast anyway and the cluster's own preflight (or, without
    /// one, the programs on-chain) refuses it: what an agent that does not check looks like.
    pub simulate_first: bool,
}

impl Default for SendPolicy {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(400),
            polls_per_broadcast: 5,
            max_broadcasts: 30,
            max_resigns: 3,
            priority: PriorityFee::default(),
            simulate_first: true,
        }
    }
}

impl SendPolicy {
    /// No pauses: for the embedded chain, which executes on broadcast.
    pub fn immediate() -> Self {
        Self {
            poll_interval: Duration::ZERO,
            polls_per_broadcast: 1,
            max_broadcasts: 3,
            max_resigns: 3,
            priority: PriorityFee::default(),
            simulate_first: true,
        }
    }
}

/// A transaction that landed and succeeded.
#[derive(Clone, Copy, Debug)]
pub struct Landed {
    pub signature: Signature,
    /// Serialized size, bytes.
    pub wire_bytes: usize,
    /// Signatures it carries.
    pub signatures: usize,
    /// Blockhashes it took (1 unless one expired).
    pub blockhashes: u32,
    /// What its fee payer paid, lamports (base fee and priority fee).
    pub fee_lamports: u64,
}

/// Why a send ended without success.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Simulation refused it; nothing was broadcast.
    #[error(
        "refused in simulation: {}",
        crate::errors::describe_with_logs(error, logs)
    )]
    Simulation {
        error: TransactionError,
        logs: Vec<String>,
    },
    /// It landed and failed (fees were charged, state unchanged).
    #[error("transaction {signature} failed: {}", crate::errors::describe(error))]
    Failed {
        signature: Signature,
        error: TransactionError,
    },
    /// Larger than a packet.
    #[error("transaction too large: {0} bytes > 1232")]
    TooLarge(usize),
    /// Still unknown after `max_broadcasts`; its blockhash had not expired, so it was not
    /// re-signed. It stays journaled.
    #[error("transaction {0} not confirmed yet; still tracked")]
    Unconfirmed(Signature),
    /// Every blockhash expired without the transaction landing.
    #[error("expired after {0} blockhashes")]
    Expired(u32),
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl SendError {
    /// The custom program error code, if the transaction failed with one.
    pub fn custom_code(&self) -> Option<u32> {
        let error = match self {
            SendError::Simulation { error, .. } | SendError::Failed { error, .. } => error,
            _ => return None,
        };
        match error {
            TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(*code),
            _ => None,
        }
    }

    /// The program log of a refused simulation.
    pub fn logs(&self) -> &[String] {
        match self {
            SendError::Simulation { logs, .. } => logs,
            _ => &[],
        }
    }
}

/// Where in-flight transactions are remembered across restarts. It only avoids wasted sends;
/// correctness always comes from chain state.
pub trait Journal {
    /// `tx` (signed, valid until block height `last_valid`) is about to be broadcast for
    /// `intent`.
    fn signed(&self, intent: &str, tx: &VersionedTransaction, last_valid: u64);
    /// `intent` is finished (landed, failed, or expired).
    fn finished(&self, intent: &str);
    /// The in-flight transaction of `intent`, if any.
    fn in_flight(&self, intent: &str) -> Option<(VersionedTransaction, u64)>;
    /// The last transaction signed for `intent`, finished or not (what a restarted keeper
    /// reconciles against the chain).
    fn last_signed(&self, intent: &str) -> Option<(VersionedTransaction, u64)>;
}

impl<J: Journal + ?Sized> Journal for Box<J> {
    fn signed(&self, intent: &str, tx: &VersionedTransaction, last_valid: u64) {
        (**self).signed(intent, tx, last_valid)
    }
    fn finished(&self, intent: &str) {
        (**self).finished(intent)
    }
    fn in_flight(&self, intent: &str) -> Option<(VersionedTransaction, u64)> {
        (**self).in_flight(intent)
    }
    fn last_signed(&self, intent: &str) -> Option<(VersionedTransaction, u64)> {
        (**self).last_signed(intent)
    }
}

/// A journal that forgets (one-shot commands).
pub struct NoJournal;

impl Journal for NoJournal {
    fn signed(&self, _: &str, _: &VersionedTransaction, _: u64) {}
    fn finished(&self, _: &str) {}
    fn in_flight(&self, _: &str) -> Option<(VersionedTransaction, u64)> {
        None
    }
    fn last_signed(&self, _: &str) -> Option<(VersionedTransaction, u64)> {
        None
    }
}

/// Compiles a message (legacy without tables, v0 with them).
pub fn compile_message(
    fee_payer: &Pubkey,
    ixs: &[Instruction],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> Result<VersionedMessage, ClientError> {
    Ok(if tables.is_empty() {
        VersionedMessage::Legacy(Message::new_with_blockhash(
            ixs,
            Some(fee_payer),
            &blockhash,
        ))
    } else {
        VersionedMessage::V0(
            v0::Message::try_compile(fee_payer, ixs, tables, blockhash)
                .map_err(|e| ClientError::Build(e.to_string()))?,
        )
    })
}

/// A version-0 message of `ixs` paid by `fee_payer`, without lookup tables: what wallets and
/// x402 `exact` clients build.
pub fn compile_message_v0(
    fee_payer: &Pubkey,
    ixs: &[Instruction],
    blockhash: Hash,
) -> Result<VersionedMessage, ClientError> {
    Ok(VersionedMessage::V0(
        v0::Message::try_compile(fee_payer, ixs, &[], blockhash)
            .map_err(|e| ClientError::Build(e.to_string()))?,
    ))
}

/// What the signed transaction of `ixs` paid by `fee_payer` will measure on the wire, bytes
/// (its size does not depend on the signatures' or the blockhash's values).
pub fn transaction_size(
    fee_payer: &Pubkey,
    ixs: &[Instruction],
    tables: &[AddressLookupTableAccount],
) -> Result<usize, ClientError> {
    let message = compile_message(fee_payer, ixs, tables, Hash::default())?;
    let signatures = usize::from(message.header().num_required_signatures);
    Ok(wire_size(&VersionedTransaction {
        signatures: vec![Default::default(); signatures],
        message,
    }))
}

/// Compiles and signs a message (legacy without tables, v0 with them). `signers` may be a
/// superset of the keys the message needs.
pub fn sign_transaction(
    fee_payer: &Keypair,
    ixs: &[Instruction],
    signers: &[&Keypair],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> Result<VersionedTransaction, ClientError> {
    let message = compile_message(&fee_payer.pubkey(), ixs, tables, blockhash)?;
    let required = usize::from(message.header().num_required_signatures);
    let keys: Vec<&Keypair> = message.static_account_keys()[..required]
        .iter()
        .map(|key: &Pubkey| {
            std::iter::once(fee_payer)
                .chain(signers.iter().copied())
                .find(|k| k.pubkey() == *key)
                .ok_or_else(|| ClientError::Build(format!("missing signature of {key}")))
        })
        .collect::<Result<_, _>>()?;
    VersionedTransaction::try_new(message, &keys).map_err(|e| ClientError::Build(e.to_string()))
}

/// `ixs` paid by `fee_payer` as a transaction whose signatures are still empty (legacy without
/// tables, v0 with them): what a wallet signs — `approve --sign-only`, the explorer, Actions.
pub fn unsigned_transaction(
    fee_payer: &Pubkey,
    ixs: &[Instruction],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> Result<VersionedTransaction, ClientError> {
    let message = compile_message(fee_payer, ixs, tables, blockhash)?;
    Ok(VersionedTransaction {
        signatures: vec![Default::default(); usize::from(message.header().num_required_signatures)],
        message,
    })
}

/// Serialized size of a signed transaction, bytes.
pub fn wire_size(tx: &VersionedTransaction) -> usize {
    bincode::serialize(tx)
        .map(|b| b.len())
        .unwrap_or(usize::MAX)
}

enum Tracked {
    Landed,
    Expired,
}

/// Sends transactions through a [`Chain`] under a [`SendPolicy`] and a [`Journal`].
pub struct Sender<'a, C: Chain, J: Journal = NoJournal> {
    pub chain: &'a C,
    pub policy: SendPolicy,
    pub journal: J,
}

impl<'a, C: Chain> Sender<'a, C, NoJournal> {
    /// A sender without a journal.
    pub fn new(chain: &'a C, policy: SendPolicy) -> Self {
        Self {
            chain,
            policy,
            journal: NoJournal,
        }
    }
}

impl<'a, C: Chain> Sender<'a, C, Box<dyn Journal>> {
    /// A sender of the type keepers hold (journal chosen at run time), without a journal:
    /// one-shot commands, tests, the in-process demo.
    pub fn unjournaled(chain: &'a C, policy: SendPolicy) -> Self {
        Self {
            chain,
            policy,
            journal: Box::new(NoJournal),
        }
    }
}

impl<C: Chain, J: Journal> Sender<'_, C, J> {
    /// Lands `transactions` in order, each paid and signed by `signer`, under the intents
    /// `"{intent}:{i}"` — how the owner's multi-transaction verbs (create, approve, settle) are
    /// sent. Stops at the first failure; what landed before it stays landed.
    pub async fn send_all(
        &self,
        intent: &str,
        signer: &Keypair,
        transactions: &[Vec<Instruction>],
        tables: &[AddressLookupTableAccount],
    ) -> Result<Vec<Landed>, SendError> {
        let mut landed = Vec::with_capacity(transactions.len());
        for (i, ixs) in transactions.iter().enumerate() {
            landed.push(
                self.send(&format!("{intent}:{i}"), signer, ixs, &[], tables)
                    .await?,
            );
        }
        Ok(landed)
    }

    /// Lands `ixs` once for `intent` (a stable name of the state transition, e.g.
    /// `"execute:<plan>:<step>:<execution>"`).
    pub async fn send(
        &self,
        intent: &str,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> Result<Landed, SendError> {
        if let Some((tx, last_valid)) = self.journal.in_flight(intent) {
            let tracked = self.track(&tx, last_valid).await;
            if let Some(done) = self.conclude(intent, &tx, 1, tracked) {
                return done;
            }
        }
        let ixs = &self.with_priority(ixs).await;
        for attempt in 1..=self.policy.max_resigns.max(1) {
            let (blockhash, last_valid) = self.chain.latest_blockhash().await?;
            let tx = sign_transaction(fee_payer, ixs, signers, tables, blockhash)?;
            let size = wire_size(&tx);
            if size > PACKET_DATA_SIZE {
                return Err(SendError::TooLarge(size));
            }
            let simulation = if self.policy.simulate_first {
                self.chain.simulate(&tx).await?
            } else {
                Simulation::default()
            };
            if let Some(error) = simulation.error {
                self.journal.finished(intent);
                return Err(SendError::Simulation {
                    error,
                    logs: simulation.logs,
                });
            }
            // A priority fee is paid per unit of the limit: ask for what simulation used.
            let tx = match (
                self.policy.priority.cap_micro_lamports,
                simulation.units_consumed,
            ) {
                (0, _) | (_, None) => tx,
                (_, Some(consumed)) => {
                    let cap = self.policy.priority.max_compute_units;
                    let limit = ComputeBudgetInstruction::set_compute_unit_limit(
                        crate::priority::unit_limit(consumed, cap),
                    );
                    let limited: Vec<Instruction> =
                        std::iter::once(limit).chain(ixs.iter().cloned()).collect();
                    sign_transaction(fee_payer, &limited, signers, tables, blockhash)?
                }
            };
            self.journal.signed(intent, &tx, last_valid);
            let tracked = self.track(&tx, last_valid).await;
            if let Some(done) = self.conclude(intent, &tx, attempt, tracked) {
                return done;
            }
        }
        self.journal.finished(intent);
        Err(SendError::Expired(self.policy.max_resigns.max(1)))
    }

    /// Lands a transaction someone else signed (a wallet), valid until block height
    /// `last_valid`: simulated first (a refusal broadcasts nothing), then the same bytes
    /// rebroadcast until they land or expire. It cannot be re-signed here, so an expiry is
    /// final ([`SendError::Expired`]).
    pub async fn land_signed(
        &self,
        tx: &VersionedTransaction,
        last_valid: u64,
    ) -> Result<Landed, SendError> {
        let size = wire_size(tx);
        if size > PACKET_DATA_SIZE {
            return Err(SendError::TooLarge(size));
        }
        let simulation = self.chain.simulate(tx).await?;
        if let Some(error) = simulation.error {
            return Err(SendError::Simulation {
                error,
                logs: simulation.logs,
            });
        }
        match self.track(tx, last_valid).await? {
            Tracked::Landed => Ok(landed(tx, 1)),
            Tracked::Expired => Err(SendError::Expired(1)),
        }
    }

    /// `ixs` behind the policy's compute-unit price, when it bids one (K-09).
    pub async fn with_priority(&self, ixs: &[Instruction]) -> Vec<Instruction> {
        let priority = self.policy.priority;
        if priority.cap_micro_lamports == 0 {
            return ixs.to_vec();
        }
        let reported = self
            .chain
            .recent_priority_fees(&written_accounts(ixs))
            .await;
        PriorityFee::instruction(priority.price(&reported))
            .into_iter()
            .chain(ixs.iter().cloned())
            .collect()
    }

    /// The end of a send, or `None` to continue with a fresh blockhash. Landed and failed
    /// transactions leave the journal; unconfirmed ones stay in it.
    fn conclude(
        &self,
        intent: &str,
        tx: &VersionedTransaction,
        blockhashes: u32,
        tracked: Result<Tracked, SendError>,
    ) -> Option<Result<Landed, SendError>> {
        match tracked {
            Ok(Tracked::Expired) => None,
            Ok(Tracked::Landed) => {
                self.journal.finished(intent);
                Some(Ok(landed(tx, blockhashes)))
            }
            Err(error @ SendError::Failed { .. }) => {
                self.journal.finished(intent);
                Some(Err(error))
            }
            Err(other) => Some(Err(other)),
        }
    }

    /// Broadcasts the same bytes until they land or expire.
    async fn track(
        &self,
        tx: &VersionedTransaction,
        last_valid: u64,
    ) -> Result<Tracked, SendError> {
        let signature = tx.signatures[0];
        for _ in 0..self.policy.max_broadcasts.max(1) {
            // A refusal here (e.g. BlockhashNotFound from a lagging node) is not final: the
            // transaction may have been forwarded, so the signature is tracked regardless.
            let _ = self.chain.broadcast(tx).await;
            for _ in 0..self.policy.polls_per_broadcast.max(1) {
                if let Some(result) = self.chain.signature_status(&signature).await? {
                    return match result {
                        Ok(()) => Ok(Tracked::Landed),
                        Err(error) => Err(SendError::Failed { signature, error }),
                    };
                }
                if !self.policy.poll_interval.is_zero() {
                    tokio::time::sleep(self.policy.poll_interval).await;
                }
            }
            if self.chain.block_height().await? > last_valid {
                // Expired: one last look, then it can never land.
                return match self.chain.signature_status(&signature).await? {
                    Some(Ok(())) => Ok(Tracked::Landed),
                    Some(Err(error)) => Err(SendError::Failed { signature, error }),
                    None => Ok(Tracked::Expired),
                };
            }
        }
        Err(SendError::Unconfirmed(signature))
    }
}

fn landed(tx: &VersionedTransaction, blockhashes: u32) -> Landed {
    Landed {
        signature: tx.signatures[0],
        wire_bytes: wire_size(tx),
        signatures: tx.signatures.len(),
        blockhashes,
        fee_lamports: crate::priority::fee_lamports(&tx.message),
    }
}
