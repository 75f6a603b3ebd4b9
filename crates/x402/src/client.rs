//! The paying side: [`PayingClient`] requests a resource; on `402` it reads `PAYMENT-REQUIRED`,
//! picks the requirement its funding can pay on this network and asset, checks the price against
//! its per-request cap and the session's remaining cap **before signing anything**, pays (a grant
//! reference or the next cumulative voucher), retries once, and records `PAYMENT-RESPONSE`.
use std::{collections::HashMap, sync::Mutex};

use agentrunner_client::{
    ix::escrow::{self as escrow_ix, BudgetRef},
    voucher::Voucher,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, AccountDeserialize};
use escrow::instructions::{IssueGrantArgs, OpenBudgetArgs};
use reqwest::StatusCode;
use solana_keypair::Keypair;

use crate::wire::{
    decode, encode, PaymentPayload, PaymentRequired, SchemePayload, SettleResponse,
    PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE, SCHEME_EXACT, SCHEME_GRANT,
    SCHEME_VOUCHER, X402_VERSION,
};

/// How the client pays.
pub enum Funding {
    /// SVM `exact`: an SPL transfer from `payer`'s associated token account per request, the fee
    /// paid by the requirement's `extra.feePayer`; `chain` gives blockhashes and the mint.
    Exact {
        payer: Box<Keypair>,
        chain: agentrunner_client::rpc::RpcChain,
    },
    /// An escrow grant whose redeemer is the vendor: each request names it (one redeem each).
    Grant { grant: Pubkey },
    /// Cumulative vouchers against a grant, signed by the budget's session key.
    Voucher {
        session: Box<Keypair>,
        budget: Pubkey,
        grant: Pubkey,
        grant_issued_slot: u64,
        /// The vendor's payout token account (the grant's vendor).
        vendor: Pubkey,
        expires_at: i64,
    },
}

impl Funding {
    fn scheme(&self) -> &'static str {
        match self {
            Funding::Exact { .. } => SCHEME_EXACT,
            Funding::Grant { .. } => SCHEME_GRANT,
            Funding::Voucher { .. } => SCHEME_VOUCHER,
        }
    }
}

/// The payer's side of paying one vendor over HTTP: a budget, one grant of `max_amount` to the
/// vendor's payout account that the vendor's own key redeems, and optionally a session key for
/// vouchers — one transaction the payer signs.
#[derive(Clone, Debug)]
pub struct VendorBudget {
    pub payer: Pubkey,
    /// The payer's token account the deposit comes from.
    pub payer_token: Pubkey,
    /// Names the budget (with the payer).
    pub id: [u8; 32],
    pub mint: Pubkey,
    pub deposit: u64,
    pub max_amount: u64,
    /// The vendor's key (the grant's redeemer) and payout token account.
    pub vendor: Pubkey,
    pub vendor_token: Pubkey,
    /// Grant window start and end (the budget expires with it), unix seconds.
    pub not_before: i64,
    pub expires_at: i64,
    /// The key that signs vouchers, if any.
    pub session: Option<Pubkey>,
    /// The payer's next grant index (`agentrunner_client::accounts::next_grant_base`).
    pub first_grant: u32,
}

impl VendorBudget {
    pub fn budget(&self) -> BudgetRef {
        BudgetRef::new(&self.payer, &self.id, self.mint, anchor_spl::token::ID)
    }

    /// The budget's grant.
    pub fn grant(&self) -> Pubkey {
        agentrunner_client::pda::grant(&self.budget().budget, self.first_grant).0
    }

    /// `open_budget`, `issue_grant` and (with a session key) `set_session_key`.
    pub fn instructions(&self) -> Vec<Instruction> {
        let budget = self.budget();
        let mut ixs = vec![
            escrow_ix::open_budget(
                &budget,
                &self.payer,
                &self.payer_token,
                OpenBudgetArgs {
                    id: self.id,
                    amount: self.deposit,
                    expires_at: self.expires_at,
                },
            ),
            escrow_ix::issue_grant(
                &budget.budget,
                &self.payer,
                self.first_grant,
                &self.vendor_token,
                IssueGrantArgs {
                    redeemer: self.vendor,
                    plan: Pubkey::default(),
                    step: 0,
                    offer_hash: [0; 32],
                    max_amount: self.max_amount,
                    not_before: self.not_before,
                    expires_at: self.expires_at,
                },
            ),
        ];
        if let Some(session) = self.session {
            ixs.push(escrow_ix::set_session_key(
                &budget.budget,
                &self.payer,
                Some(session),
            ));
        }
        ixs
    }

    /// Voucher funding for this budget's grant (`grant_issued_slot` from the grant account).
    pub fn voucher_funding(&self, session: Keypair, grant_issued_slot: u64) -> Funding {
        Funding::Voucher {
            session: Box::new(session),
            budget: self.budget().budget,
            grant: self.grant(),
            grant_issued_slot,
            vendor: self.vendor_token,
            expires_at: self.expires_at,
        }
    }
}

/// Why a paid request did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error("price {price} above the per-request cap {cap}: not signed")]
    AboveRequestCap { price: u64, cap: u64 },
    #[error("price {price} would exceed the session's remaining cap {remaining}: not signed")]
    SessionCapReached { price: u64, remaining: u64 },
    #[error("no acceptable payment option ({0})")]
    NoOption(String),
    #[error("malformed 402: {0}")]
    Malformed(String),
    #[error("cannot build the exact transfer: {0}")]
    Exact(String),
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
}

/// The outcome of a request.
#[derive(Debug)]
pub struct Paid {
    pub status: StatusCode,
    pub body: Vec<u8>,
    /// The vendor's settlement, when a payment was made.
    pub settlement: Option<SettleResponse>,
    /// Atoms paid.
    pub price: u64,
}

/// An HTTP client that pays x402 resources from one funding source within caps.
pub struct PayingClient {
    pub http: reqwest::Client,
    /// The CAIP-2 network it pays on.
    pub network: String,
    /// The token it pays in.
    pub asset: Pubkey,
    pub funding: Funding,
    /// Largest price one request may cost, atoms (the plan's per-step budget).
    pub max_per_request: u64,
    /// Total the session may spend, atoms.
    pub session_cap: u64,
    state: Mutex<Session>,
    /// Token program and decimals of each mint paid in with `exact` (mints never change).
    mints: Mutex<HashMap<Pubkey, (Pubkey, u8)>>,
}

#[derive(Default)]
struct Session {
    spent: u64,
    /// Cumulative voucher total so far.
    cumulative: u64,
    nonce: u64,
    settlements: Vec<SettleResponse>,
}

impl PayingClient {
    pub fn new(
        network: String,
        asset: Pubkey,
        funding: Funding,
        max_per_request: u64,
        session_cap: u64,
    ) -> Self {
        Self {
            http: reqwest::Client::new(),
            network,
            asset,
            funding,
            max_per_request,
            session_cap,
            state: Mutex::new(Session::default()),
            mints: Mutex::default(),
        }
    }

    /// Atoms spent so far.
    pub fn spent(&self) -> u64 {
        self.state.lock().expect("session").spent
    }

    /// Every settlement received.
    pub fn settlements(&self) -> Vec<SettleResponse> {
        self.state.lock().expect("session").settlements.clone()
    }

    /// The payment this client would send for `required` (price checked against the caps first,
    /// nothing signed beyond them).
    pub async fn pay(&self, required: &PaymentRequired) -> Result<(PaymentPayload, u64), PayError> {
        let option = required
            .accepts
            .iter()
            .find(|r| {
                r.scheme == self.funding.scheme()
                    && r.network == self.network
                    && r.asset == self.asset.to_string()
            })
            .ok_or_else(|| {
                PayError::NoOption(format!(
                    "wanted {} on {} in {}",
                    self.funding.scheme(),
                    self.network,
                    self.asset
                ))
            })?;
        let price = option
            .atoms()
            .map_err(|e| PayError::Malformed(e.to_string()))?;
        if price > self.max_per_request {
            return Err(PayError::AboveRequestCap {
                price,
                cap: self.max_per_request,
            });
        }
        let payload = if let Funding::Exact { payer, chain } = &self.funding {
            // Reserve the spend first, so concurrent requests cannot pass the session cap.
            self.spend(price)?;
            match exact_payload(option, payer, chain, &self.mints, self.nonce()).await {
                Ok(payload) => payload,
                Err(e) => {
                    self.state.lock().expect("session").spent -= price;
                    return Err(e);
                }
            }
        } else {
            self.escrow_payload(price)?
        };
        Ok((
            PaymentPayload {
                x402_version: X402_VERSION,
                resource: Some(required.resource.clone()),
                accepted: option.clone(),
                payload,
                extensions: None,
            },
            price,
        ))
    }

    /// Counts `price` against the session cap, or refuses.
    fn spend(&self, price: u64) -> Result<(), PayError> {
        let mut session = self.state.lock().expect("session");
        let remaining = self.session_cap.saturating_sub(session.spent);
        if price > remaining {
            return Err(PayError::SessionCapReached { price, remaining });
        }
        session.spent += price;
        Ok(())
    }

    /// Takes back a voucher whose request was not served (the vendor released it): the next
    /// voucher signs the same total again, so the vendor can never settle a failed request's —
    /// unless a later voucher was signed meanwhile.
    fn take_back(&self, payload: &SchemePayload, price: u64) {
        let SchemePayload::Voucher { cumulative, .. } = payload else {
            return;
        };
        let mut session = self.state.lock().expect("session");
        if session.cumulative == *cumulative {
            session.cumulative -= price;
            session.spent -= price;
        }
    }

    /// A fresh value per payment.
    fn nonce(&self) -> String {
        let mut session = self.state.lock().expect("session");
        session.nonce += 1;
        let seed = format!(
            "{}-{}-{:?}",
            std::process::id(),
            session.nonce,
            std::time::SystemTime::now()
        );
        hex(&solana_sha256_hasher::hash(seed.as_bytes()).to_bytes()[..16])
    }

    /// A grant reference or the next cumulative voucher for `price` (the session cap checked).
    fn escrow_payload(&self, price: u64) -> Result<SchemePayload, PayError> {
        self.spend(price)?;
        let mut session = self.state.lock().expect("session");
        let payload = match &self.funding {
            Funding::Exact { .. } => {
                session.spent -= price;
                return Err(PayError::NoOption("exact funding pays by transfer".into()));
            }
            Funding::Grant { grant } => {
                session.nonce += 1;
                SchemePayload::Grant {
                    grant: grant.to_string(),
                    nonce: format!("{}-{}", std::process::id(), session.nonce),
                }
            }
            Funding::Voucher {
                session: key,
                budget,
                grant,
                grant_issued_slot,
                vendor,
                expires_at,
            } => {
                let cumulative = session.cumulative + price;
                let signed = Voucher {
                    budget: *budget,
                    grant: *grant,
                    grant_issued_slot: *grant_issued_slot,
                    vendor: *vendor,
                    cumulative,
                    expires_at: *expires_at,
                }
                .sign(key);
                session.cumulative = cumulative;
                SchemePayload::Voucher {
                    budget: budget.to_string(),
                    grant: grant.to_string(),
                    grant_issued_slot: *grant_issued_slot,
                    cumulative,
                    expires_at: *expires_at,
                    signer: signed.signer.to_string(),
                    signature: bs58::encode(signed.signature).into_string(),
                }
            }
        };
        Ok(payload)
    }

    /// GETs `url`, paying once if asked to.
    pub async fn get(&self, url: &str) -> Result<Paid, PayError> {
        let first = self.http.get(url).send().await?;
        if first.status() != StatusCode::PAYMENT_REQUIRED {
            let status = first.status();
            return Ok(Paid {
                status,
                body: first.bytes().await?.to_vec(),
                settlement: None,
                price: 0,
            });
        }
        let header = first
            .headers()
            .get(PAYMENT_REQUIRED)
            .and_then(|h| h.to_str().ok())
            .ok_or_else(|| PayError::Malformed(format!("402 without {PAYMENT_REQUIRED}")))?;
        let required: PaymentRequired =
            decode(header).map_err(|e| PayError::Malformed(e.to_string()))?;
        let (payment, price) = self.pay(&required).await?;
        let paid = self
            .http
            .get(url)
            .header(PAYMENT_SIGNATURE, encode(&payment))
            .send()
            .await?;
        let status = paid.status();
        let settlement = paid
            .headers()
            .get(PAYMENT_RESPONSE)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| decode::<SettleResponse>(h).ok());
        if let Some(settlement) = &settlement {
            self.state
                .lock()
                .expect("session")
                .settlements
                .push(settlement.clone());
        }
        let settled = settlement.as_ref().is_some_and(|s| s.success);
        if !status.is_success() && !settled {
            self.take_back(&payment.payload, price);
        }
        Ok(Paid {
            status,
            body: paid.bytes().await?.to_vec(),
            settlement,
            price,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `exact` payload for `option`: the spec's transaction (compute budget, `TransferChecked`
/// from `payer`'s associated token account to `payTo`'s, the seller's memo or `nonce`) on the
/// requirement's `extra.recentBlockhash` or the cluster's latest, signed by `payer` only.
async fn exact_payload(
    option: &crate::wire::PaymentRequirements,
    payer: &Keypair,
    chain: &agentrunner_client::rpc::RpcChain,
    mints: &Mutex<HashMap<Pubkey, (Pubkey, u8)>>,
    nonce: String,
) -> Result<SchemePayload, PayError> {
    use agentrunner_client::chain::Chain;
    let failed = |e: String| PayError::Exact(e);
    let terms = crate::exact::ExactTerms::of(option).map_err(|e| failed(e.to_string()))?;
    let known = mints.lock().expect("mints").get(&terms.asset).copied();
    let (token_program, decimals) = match known {
        Some(known) => known,
        None => {
            let mint = chain
                .account(&terms.asset)
                .await
                .map_err(|e| failed(e.to_string()))?
                .ok_or_else(|| failed(format!("no mint {}", terms.asset)))?;
            let decimals =
                anchor_spl::token_interface::Mint::try_deserialize(&mut mint.data.as_slice())
                    .map_err(|e| failed(format!("{} is not a mint: {e}", terms.asset)))?
                    .decimals;
            mints
                .lock()
                .expect("mints")
                .insert(terms.asset, (mint.owner, decimals));
            (mint.owner, decimals)
        }
    };
    let provided = option
        .extra
        .get("recentBlockhash")
        .and_then(serde_json::Value::as_str)
        .and_then(|h| h.parse().ok());
    let blockhash = match provided {
        Some(hash) => hash,
        None => {
            chain
                .latest_blockhash()
                .await
                .map_err(|e| failed(e.to_string()))?
                .0
        }
    };
    let tx = crate::exact::transfer_transaction(
        &terms,
        payer,
        &token_program,
        decimals,
        blockhash,
        &nonce,
    )
    .map_err(|e| failed(e.to_string()))?;
    Ok(SchemePayload::Exact {
        transaction: crate::exact::encode_transaction(&tx),
    })
}
