//! Transactions for a wallet: the owner's verbs built by the lifecycle's builders
//! (`agentrunner_client::flows`), handed out unsigned with a fresh blockhash — the server never
//! holds or asks for a key — and, once signed in the wallet, landed in order through the same
//! exactly-once tracking the keepers use.
use agentrunner_client::{
    chain::Chain,
    errors,
    flows::{self, AwardReadiness, Offers, PlanView, Scope, Settlement},
    send::{unsigned_transaction, SendError, SendPolicy, Sender},
    ClientError,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};
use solana_message::AddressLookupTableAccount;
use solana_transaction::versioned::VersionedTransaction;

use crate::{state::Explorer, views::draft};

/// Unsigned transactions for one signer, to be signed together and sent in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ToSign {
    /// Base64 wire transactions with empty signatures.
    pub transactions: Vec<String>,
    /// The block height after which they can no longer land (their blockhash expires).
    pub last_valid_block_height: u64,
    /// The key that must sign (base58).
    pub signer: String,
    /// What signing does, in words.
    pub message: String,
    /// The plan they concern (base58).
    pub plan: String,
}

/// Why nothing was built or landed.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// The request is malformed.
    #[error("{0}")]
    Bad(String),
    /// The chain's state does not allow it (another's plan, cancelled, not awarded, ...).
    #[error("{0}")]
    Refused(String),
    #[error("no plan at {0}")]
    NoPlan(Pubkey),
    /// A signed transaction did not land: the program's error by name and its logs.
    #[error("{message}")]
    NotLanded {
        message: String,
        /// The custom program error code, if any.
        code: Option<u32>,
        logs: Vec<String>,
        /// Signatures of the transactions that landed before it.
        landed: Vec<String>,
    },
    #[error("cluster: {0}")]
    Cluster(String),
}

impl From<ClientError> for TxError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Build(reason) => Self::Refused(reason),
            ClientError::AccountNotFound(key) => Self::NoPlan(key),
            other => Self::Cluster(other.to_string()),
        }
    }
}

impl From<flows::DraftError> for TxError {
    fn from(e: flows::DraftError) -> Self {
        match e {
            flows::DraftError::Client(c) => c.into(),
            other => Self::Refused(other.to_string()),
        }
    }
}

/// `transactions` for `signer` with a fresh blockhash.
pub async fn to_sign(
    explorer: &Explorer,
    signer: &Pubkey,
    plan: &Pubkey,
    transactions: &[Vec<Instruction>],
    tables: &[AddressLookupTableAccount],
    message: String,
) -> Result<ToSign, TxError> {
    let (blockhash, last_valid) = explorer.chain.latest_blockhash().await?;
    let encoded = transactions
        .iter()
        .map(|ixs| {
            let tx = unsigned_transaction(signer, ixs, tables, blockhash)?;
            bincode::serialize(&tx)
                .map(|bytes| STANDARD.encode(bytes))
                .map_err(|e| ClientError::Build(e.to_string()))
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    Ok(ToSign {
        transactions: encoded,
        last_valid_block_height: last_valid,
        signer: signer.to_string(),
        message,
        plan: plan.to_string(),
    })
}

async fn view(explorer: &Explorer, plan: &Pubkey, offers: Offers) -> Result<PlanView, TxError> {
    Ok(PlanView::load(&explorer.chain, &explorer.config.deployment, plan, offers).await?)
}

/// `owner` creates the plan of `goal` and opens its RFPs (planning for itself).
pub async fn create(explorer: &Explorer, goal: &str, owner: &Pubkey) -> Result<ToSign, TxError> {
    let (draft, rfps) = draft::draft(explorer, goal, owner).await?;
    let steps = rfps.len();
    let transactions = draft.transactions_with_rfps(owner, rfps)?;
    to_sign(
        explorer,
        owner,
        &draft.plan,
        &transactions,
        &[],
        format!("create the plan and open the RFPs of its {steps} step(s)"),
    )
    .await
}

/// `requester` (the plan's planner) awards `offer` by hand, or — without one — `award_best`
/// on every step whose bidding closed with offers.
pub async fn award(
    explorer: &Explorer,
    plan: &Pubkey,
    requester: &Pubkey,
    offer: Option<&Pubkey>,
) -> Result<ToSign, TxError> {
    let view = view(explorer, plan, Offers::Load).await?;
    let now = view.now();
    let chain = &explorer.chain;
    let mut ixs = Vec::new();
    match offer {
        Some(offer) => {
            if view.plan.planner != *requester {
                return Err(TxError::Refused(format!(
                    "only the plan's planner {} awards by hand; anyone may award the best offer once bidding closed",
                    view.plan.planner
                )));
            }
            let step = view
                .steps
                .iter()
                .find(|s| s.offers.iter().any(|(k, _)| k == offer))
                .ok_or_else(|| {
                    TxError::Refused(format!("{offer} is not a live offer on this plan"))
                })?;
            let scores = flows::score_offers(chain, step, now).await?;
            let score = scores
                .iter()
                .find(|s| s.offer_key == *offer)
                .ok_or_else(|| TxError::Refused(format!("{offer} is gone")))?;
            if let Err(why) = &score.candidate {
                return Err(TxError::Refused(format!("that offer cannot win: {why}")));
            }
            ixs.push(flows::award_offer(step, score, requester));
        }
        None => {
            for step in &view.steps {
                if let AwardReadiness::Ready(ix) =
                    flows::award_step(chain, step, requester, now).await?
                {
                    ixs.push(ix);
                }
            }
            if ixs.is_empty() {
                return Err(TxError::Refused(
                    "no step can be awarded now: bidding is open, has no offers, or every step is awarded"
                        .into(),
                ));
            }
        }
    }
    let count = ixs.len();
    let transactions: Vec<Vec<Instruction>> = ixs.into_iter().map(|ix| vec![ix]).collect();
    to_sign(
        explorer,
        requester,
        plan,
        &transactions,
        &[],
        format!("award {count} step(s)"),
    )
    .await
}

/// The owner's one approval of `plan`: budget, grants, output accounts, delegation.
pub async fn approve(
    explorer: &Explorer,
    plan: &Pubkey,
    owner: &Pubkey,
) -> Result<ToSign, TxError> {
    let deployment = &explorer.config.deployment;
    let view = view(explorer, plan, Offers::Skip).await?;
    let approval = flows::approve::owner_approval(
        &explorer.chain,
        deployment,
        &view,
        owner,
        explorer.config.approval_secs,
    )
    .await?;
    let tables = deployment.tables();
    let message = format!(
        "approve: deposit {} atoms of vendor fees for {} step(s) and let the runner sell the plan's inputs",
        approval.deposit,
        approval.grants.len()
    );
    to_sign(
        explorer,
        owner,
        plan,
        &approval.transactions(&tables)?,
        &tables,
        message,
    )
    .await
}

/// The owner's cancellation (`Scope::Cancel`) or close-out (`Scope::CloseOut`) of `plan`.
pub async fn settle(
    explorer: &Explorer,
    plan: &Pubkey,
    owner: &Pubkey,
    scope: Scope,
) -> Result<ToSign, TxError> {
    let view = view(explorer, plan, Offers::Skip).await?;
    view.require_owner(owner)?;
    let settlement = Settlement::with_scope(&view, scope)?;
    if settlement.is_empty() {
        return Err(TxError::Refused(format!(
            "nothing left to {}",
            if scope == Scope::Cancel {
                "cancel"
            } else {
                "settle"
            }
        )));
    }
    let tables = explorer.config.deployment.tables();
    let message = match scope {
        Scope::Cancel => "cancel the plan and revoke its grants".to_string(),
        Scope::CloseOut => format!(
            "close the plan out: refund {} atoms and return every rent",
            settlement.refund
        ),
    };
    to_sign(
        explorer,
        owner,
        plan,
        &settlement.transactions(&tables)?,
        &tables,
        message,
    )
    .await
}

/// Signed transactions to land, in order.
#[derive(Clone, Debug, Deserialize)]
pub struct Signed {
    /// Base64 wire transactions, signed.
    pub transactions: Vec<String>,
    pub last_valid_block_height: u64,
}

/// Lands `signed` in order; stops at the first that does not land.
pub async fn land(explorer: &Explorer, signed: &Signed) -> Result<Vec<String>, TxError> {
    let mut txs = Vec::new();
    for (i, text) in signed.transactions.iter().enumerate() {
        let bytes = STANDARD
            .decode(text)
            .map_err(|e| TxError::Bad(format!("transaction {i}: not base64: {e}")))?;
        let tx: VersionedTransaction = bincode::deserialize(&bytes)
            .map_err(|e| TxError::Bad(format!("transaction {i}: not a transaction: {e}")))?;
        if tx.signatures.iter().any(|s| *s == Default::default()) {
            return Err(TxError::Bad(format!("transaction {i} is not signed")));
        }
        txs.push(tx);
    }
    let sender = Sender::new(&explorer.chain, SendPolicy::default());
    let mut landed = Vec::new();
    for tx in &txs {
        match sender.land_signed(tx, signed.last_valid_block_height).await {
            Ok(l) => landed.push(l.signature.to_string()),
            Err(e) => {
                let message = match &e {
                    SendError::Simulation { error, logs } => format!(
                        "refused before sending (nothing was charged): {}",
                        errors::describe_with_logs(error, logs)
                    ),
                    SendError::Expired(_) => {
                        "the transaction's blockhash expired before it landed: ask again and sign the fresh one".into()
                    }
                    other => other.to_string(),
                };
                return Err(TxError::NotLanded {
                    code: e.custom_code(),
                    logs: e.logs().to_vec(),
                    message,
                    landed,
                });
            }
        }
    }
    Ok(landed)
}
