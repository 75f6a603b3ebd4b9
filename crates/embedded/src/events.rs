//! What happens on the chain, as it happens: every processed transaction, every slot the clock
//! reaches and every account written directly. The PubSub server turns these into
//! subscription notifications; anyone else may [`crate::EmbeddedChain::subscribe`] too.
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;
use solana_transaction_error::TransactionError;

/// Events a slow subscriber may fall behind by before it misses some (it is told it lagged).
pub const EVENT_BACKLOG: usize = 4_096;

/// One thing that happened on the chain.
#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A transaction was processed (landed, successfully or not) in `slot`.
    Transaction {
        signature: Signature,
        slot: u64,
        /// `None` when it succeeded.
        err: Option<TransactionError>,
        logs: Arc<Vec<String>>,
        /// Every account the transaction named (lookup-table addresses resolved).
        accounts: Arc<Vec<Pubkey>>,
    },
    /// The clock reached `slot` (the embedded chain roots every slot it reaches).
    Slot { slot: u64, parent: u64 },
    /// An account was written directly (oracle feeds, fixtures) in `slot`.
    AccountWritten { address: Pubkey, slot: u64 },
}
