//! The vendor side: [`Paywall`] answers an unpaid request with `402` and `PAYMENT-REQUIRED`
//! (three ways to pay: SVM `exact`, an escrow grant, a cumulative voucher), verifies a
//! `PAYMENT-SIGNATURE` against chain state before anything is served, serves each payment once
//! (its identity is the idempotency key), and settles only what was served successfully: an
//! `exact` transfer is co-signed and sent, a grant is redeemed, a voucher is kept and settled
//! with the others of its grant later ([`Paywall::settle_vouchers`]). A failed response is never
//! charged, and its payment may be used again.
mod escrow;
mod exact;

pub use exact::CONFIRM_WAIT;

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use agentrunner_client::{
    chain::Chain, ix::escrow::BudgetRef, pda::ata, rpc::RpcChain, voucher::SignedVoucher,
};
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

use crate::{
    exact::ExactTerms,
    network::{labelled_network, PublicCluster},
    reason::{Reason, Refusal},
    wire::{
        decode_payment, encode, PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo,
        SchemePayload, SettleResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE,
        SCHEME_EXACT, SCHEME_GRANT, SCHEME_VOUCHER, X402_VERSION,
    },
};

/// Seconds a payment offer stays valid.
pub const MAX_TIMEOUT_SECS: u64 = 60;
/// How long an `exact` payment's identity is remembered after it was used: longer than a
/// blockhash lives (150 slots, 60 s at 400 ms), after which the transaction cannot land anyway.
pub const EXACT_DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// A payment that passed verification, reserved for one request.
#[derive(Clone, Debug)]
pub struct Charge {
    /// The payment's identity (served once).
    pub id: [u8; 32],
    /// Atoms this request costs.
    pub amount: u64,
    /// Who pays: the budget's payer, or the `exact` transfer's signer.
    pub payer: Pubkey,
    /// How it settles.
    pub settles: Settles,
}

/// How a [`Charge`] settles.
#[derive(Clone, Debug)]
pub enum Settles {
    /// One `redeem` of the grant.
    Grant { grant: Pubkey, funds: BudgetRef },
    /// In the grant's next voucher batch; `previous` is the voucher it replaced in the ledger
    /// (restored if the request fails).
    Voucher {
        grant: Pubkey,
        budget: Pubkey,
        signed: Box<SignedVoucher>,
        /// What the grant had redeemed on chain at verification (a first voucher must exceed
        /// it by the price).
        redeemed: u64,
        previous: Option<Box<SignedVoucher>>,
    },
    /// The client's transaction, co-signed by the fee payer and sent.
    Exact { transaction: VersionedTransaction },
    /// Already settled by this transaction (an `exact` settlement that was pending).
    Confirmed { transaction: String },
}

#[derive(Default)]
struct Ledger {
    /// Payment ids served or being served; `exact` ones until the instant they may be forgotten.
    used: HashMap<[u8; 32], Option<Instant>>,
    /// The latest accepted voucher per grant (cumulative) and its budget.
    vouchers: HashMap<Pubkey, (SignedVoucher, Pubkey)>,
    /// `exact` settlements sent but not confirmed yet (`settlement_pending`).
    pending: HashMap<[u8; 32], Signature>,
}

/// A vendor's x402 front door.
pub struct Paywall {
    pub chain: RpcChain,
    /// The vendor: the grants' redeemer; pays settlement fees; the `exact` fee payer.
    pub vendor: Keypair,
    /// Where payments go: the vendor's token account (grants must name it).
    pub pay_to: Pubkey,
    pub mint: Pubkey,
    /// CAIP-2 network id the requirements name (the cluster's own, or its label).
    pub network: String,
    /// How long an `exact` settlement waits for confirmation before answering
    /// `settlement_pending` ([`CONFIRM_WAIT`] by default).
    pub confirm_wait: Duration,
    genesis_hash: String,
    /// `payTo` of `exact` requirements: the owner of `pay_to`, when it is their associated token
    /// account (`None`: `exact` is not offered).
    exact_pay_to: Option<Pubkey>,
    ledger: Mutex<Ledger>,
}

impl Paywall {
    /// A paywall on `chain` for `vendor`, paid in `mint` to `pay_to`. `exact` is offered when
    /// `pay_to` exists and is its owner's associated token account (where `exact` transfers go).
    pub async fn new(
        chain: RpcChain,
        vendor: Keypair,
        pay_to: Pubkey,
        mint: Pubkey,
    ) -> agentrunner_client::ClientResult<Self> {
        let genesis_hash = chain.genesis_hash().await?.to_string();
        let exact_pay_to = chain.account(&pay_to).await?.and_then(|account| {
            let token = anchor_spl::token_interface::TokenAccount::try_deserialize(
                &mut account.data.as_slice(),
            )
            .ok()?;
            let at_owner = ata(&token.owner, &mint, &account.owner) == pay_to;
            (token.mint == mint && at_owner).then_some(token.owner)
        });
        if exact_pay_to.is_none() {
            tracing::warn!(%pay_to, "no associated token account to receive exact payments: exact is not offered");
        }
        Ok(Self {
            chain,
            vendor,
            pay_to,
            mint,
            network: crate::network::network_id(&genesis_hash),
            confirm_wait: exact::CONFIRM_WAIT,
            genesis_hash,
            exact_pay_to,
            ledger: Mutex::new(Ledger::default()),
        })
    }

    /// Names the cluster as `label` in every requirement (a local cluster only: see
    /// [`crate::network`]), so the reference x402 packages can pay it.
    pub fn labelled(mut self, label: Option<PublicCluster>) -> Result<Self, String> {
        self.network = labelled_network(&self.genesis_hash, label)?;
        Ok(self)
    }

    /// The schemes offered, in the order the 402 lists them.
    pub fn schemes(&self) -> Vec<&'static str> {
        let exact = self.exact_pay_to.is_some().then_some(SCHEME_EXACT);
        exact
            .into_iter()
            .chain([SCHEME_GRANT, SCHEME_VOUCHER])
            .collect()
    }

    /// The requirement of `scheme` at `price` atoms.
    pub fn requirement(&self, scheme: &str, price: u64) -> PaymentRequirements {
        let (pay_to, extra) = match (scheme, self.exact_pay_to) {
            (SCHEME_EXACT, Some(owner)) => (
                owner,
                serde_json::json!({ "feePayer": self.vendor.pubkey().to_string() }),
            ),
            _ => (
                self.pay_to,
                serde_json::json!({ "escrowProgram": ::escrow::ID.to_string() }),
            ),
        };
        PaymentRequirements {
            scheme: scheme.into(),
            network: self.network.clone(),
            asset: self.mint.to_string(),
            amount: price.to_string(),
            pay_to: pay_to.to_string(),
            max_timeout_seconds: MAX_TIMEOUT_SECS,
            extra,
        }
    }

    /// What a request for `resource` at `price` atoms must pay: every scheme, one requirement
    /// each.
    pub fn required(&self, resource: &ResourceInfo, price: u64) -> PaymentRequired {
        PaymentRequired {
            x402_version: X402_VERSION,
            error: None,
            resource: resource.clone(),
            accepts: self
                .schemes()
                .into_iter()
                .map(|scheme| self.requirement(scheme, price))
                .collect(),
        }
    }

    /// The 402 answer; `error` is the refusal's code when a payment was refused.
    pub fn payment_required(
        &self,
        resource: &ResourceInfo,
        price: u64,
        error: Option<&Refusal>,
    ) -> Response {
        let mut body = self.required(resource, price);
        body.error = error.map(|e| e.reason.code().to_string());
        let status = error.map_or(StatusCode::PAYMENT_REQUIRED, Refusal::status);
        if let Some(refusal) = error {
            tracing::info!(%refusal, "payment refused");
        }
        let mut response = (status, axum::Json(body.clone())).into_response();
        if let Ok(value) = HeaderValue::from_str(&encode(&body)) {
            response.headers_mut().insert(PAYMENT_REQUIRED, value);
        }
        response
    }

    /// Verifies the request's payment for `price` and reserves it; `Ok(None)` when it carries
    /// none.
    pub async fn charge(&self, headers: &HeaderMap, price: u64) -> Result<Option<Charge>, Refusal> {
        let Some(header) = headers.get(PAYMENT_SIGNATURE) else {
            return Ok(None);
        };
        let text = header
            .to_str()
            .map_err(|e| Refusal::new(Reason::InvalidPayload, e.to_string()))?;
        let payload = decode_payment(text)?;
        let accepted = &payload.accepted;
        let offered = self.requirement(&accepted.scheme, price);
        if !self.schemes().contains(&accepted.scheme.as_str()) {
            return Err(Refusal::new(
                Reason::UnsupportedScheme,
                format!("scheme {:?} is not served here", accepted.scheme),
            ));
        }
        if accepted.network != self.network {
            return Err(Refusal::new(
                Reason::InvalidNetwork,
                format!(
                    "{} is not this cluster ({})",
                    accepted.network, self.network
                ),
            ));
        }
        let same_terms = accepted.asset == offered.asset
            && accepted.pay_to == offered.pay_to
            && accepted.amount == offered.amount
            && (accepted.scheme != SCHEME_EXACT || accepted.extra == offered.extra);
        if !same_terms {
            return Err(Refusal::new(
                Reason::InvalidPaymentRequirements,
                "the payment accepts other terms (asset, payTo, amount or feePayer) than offered",
            ));
        }
        let id = payment_id(&payload)?;
        self.require_unused(&id)?;
        // Only `exact` settlements are ever pending; a confirmed one is served without paying again.
        if let (Some(transaction), SchemePayload::Exact { transaction: wire }) =
            (self.resume_pending(&id).await?, &payload.payload)
        {
            let tx = crate::exact::decode_transaction(wire)?;
            let payer = crate::exact::inspect(&tx, &ExactTerms::of(&offered)?, &[])?.payer;
            return Ok(Some(Charge {
                id,
                amount: price,
                payer,
                settles: Settles::Confirmed { transaction },
            }));
        }
        let mut charge = self.verify(&payload, &offered).await?;
        self.reserve(&mut charge)?;
        Ok(Some(charge))
    }

    /// Checks a payment against `requirements` and chain state (nothing is reserved).
    pub async fn verify(
        &self,
        payload: &PaymentPayload,
        requirements: &PaymentRequirements,
    ) -> Result<Charge, Refusal> {
        match (&payload.payload, requirements.scheme.as_str()) {
            (SchemePayload::Exact { transaction }, SCHEME_EXACT) => {
                self.verify_exact(transaction, requirements).await
            }
            (SchemePayload::Grant { grant, .. }, SCHEME_GRANT) => {
                self.verify_grant(payload, grant, requirements).await
            }
            (SchemePayload::Voucher { .. }, SCHEME_VOUCHER) => {
                self.verify_voucher(payload, requirements).await
            }
            (_, SCHEME_EXACT | SCHEME_GRANT | SCHEME_VOUCHER) => Err(Refusal::new(
                Reason::InvalidPayload,
                format!("the payload is not a {} payload", requirements.scheme),
            )),
            (_, other) => Err(Refusal::new(
                Reason::UnsupportedScheme,
                format!("scheme {other:?} is not served here"),
            )),
        }
    }

    /// Refuses a payment already used (a replay or a copy in flight) before it is verified again;
    /// one whose settlement is pending passes (its outcome is looked up).
    pub fn require_unused(&self, id: &[u8; 32]) -> Result<(), Refusal> {
        let ledger = self.ledger.lock().expect("ledger");
        let now = Instant::now();
        let used = ledger
            .used
            .get(id)
            .is_some_and(|forget| forget.is_none_or(|at| at > now));
        if used && !ledger.pending.contains_key(id) {
            return Err(Refusal::new(
                Reason::DuplicateSettlement,
                "this payment was already used",
            ));
        }
        Ok(())
    }

    /// Marks `charge` used (a voucher also becomes its grant's latest); refused if it already was
    /// (a replay or a copy in flight), or if a voucher does not raise the total by its price.
    pub fn reserve(&self, charge: &mut Charge) -> Result<(), Refusal> {
        let mut ledger = self.ledger.lock().expect("ledger");
        let now = Instant::now();
        ledger
            .used
            .retain(|_, forget| forget.is_none_or(|at| at > now));
        if ledger.pending.contains_key(&charge.id) {
            return Err(Refusal::new(
                Reason::SettlementPending,
                "this payment's settlement was sent and is not confirmed yet",
            ));
        }
        if ledger.used.contains_key(&charge.id) {
            return Err(Refusal::new(
                Reason::DuplicateSettlement,
                "this payment was already used",
            ));
        }
        if let Settles::Voucher {
            grant,
            budget,
            signed,
            redeemed,
            previous,
        } = &mut charge.settles
        {
            let latest = ledger.vouchers.get(grant).map(|(v, _)| *v);
            let floor = latest.map_or(*redeemed, |v| v.voucher.cumulative);
            if signed.voucher.cumulative < floor.saturating_add(charge.amount) {
                return Err(Refusal::new(
                    Reason::VoucherCumulativeTooLow,
                    format!(
                        "voucher total {} does not cover {} more than the {floor} already authorized",
                        signed.voucher.cumulative, charge.amount
                    ),
                ));
            }
            *previous = latest.map(Box::new);
            ledger.vouchers.insert(*grant, (**signed, *budget));
        }
        let forget =
            matches!(charge.settles, Settles::Exact { .. }).then(|| now + EXACT_DUPLICATE_WINDOW);
        ledger.used.insert(charge.id, forget);
        Ok(())
    }

    /// Undoes [`Self::reserve`] for a request that was not served: the payment may be used again
    /// and a voucher's grant goes back to its previous total.
    pub fn release(&self, charge: &Charge) {
        if matches!(charge.settles, Settles::Confirmed { .. }) {
            return; // paid already: never served twice
        }
        let mut ledger = self.ledger.lock().expect("ledger");
        ledger.used.remove(&charge.id);
        if let Settles::Voucher {
            grant,
            budget,
            signed,
            previous,
            ..
        } = &charge.settles
        {
            let current = ledger.vouchers.get(grant).map(|(v, _)| v.signature);
            if current == Some(signed.signature) {
                match previous {
                    Some(previous) => ledger.vouchers.insert(*grant, (**previous, *budget)),
                    None => ledger.vouchers.remove(grant),
                };
            }
        }
    }

    /// Settles a served charge.
    pub async fn settle(&self, charge: &Charge) -> SettleResponse {
        match &charge.settles {
            Settles::Exact { transaction } => self.settle_exact(charge, transaction).await,
            Settles::Grant { grant, funds } => self.redeem(charge, grant, funds).await,
            Settles::Voucher { .. } => self.settled(charge, String::new()),
            Settles::Confirmed { transaction } => self.settled(charge, transaction.clone()),
        }
    }

    /// A successful settlement of `charge` by `transaction`.
    fn settled(&self, charge: &Charge, transaction: String) -> SettleResponse {
        SettleResponse {
            success: true,
            error_reason: None,
            error_message: None,
            transaction,
            network: self.network.clone(),
            payer: charge.payer.to_string(),
            amount: charge.amount.to_string(),
        }
    }

    /// Serves `resource` at `price` behind the paywall: 402 without a payment or with a refused
    /// one, otherwise `serve`'s response — settled, with `PAYMENT-RESPONSE`, only if it
    /// succeeded (a failed response costs nothing) and answered 402 instead if the settlement
    /// failed.
    pub async fn paid<F, Fut>(
        &self,
        headers: &HeaderMap,
        resource: &ResourceInfo,
        price: u64,
        serve: F,
    ) -> Response
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Response>,
    {
        let charge = match self.charge(headers, price).await {
            Ok(Some(charge)) => charge,
            Ok(None) => return self.payment_required(resource, price, None),
            Err(refusal) => return self.payment_required(resource, price, Some(&refusal)),
        };
        let mut response = serve().await;
        if !response.status().is_success() {
            self.release(&charge);
            return response;
        }
        let settlement = self.settle(&charge).await;
        if !settlement.success {
            let reason = settlement.error_reason.clone().unwrap_or_default();
            let refusal = Refusal::new(
                reason_of(&reason),
                settlement.error_message.clone().unwrap_or(reason),
            );
            response = self.payment_required(resource, price, Some(&refusal));
        }
        if let Ok(value) = HeaderValue::from_str(&encode(&settlement)) {
            response.headers_mut().insert(PAYMENT_RESPONSE, value);
        }
        response
    }
}

/// A payment's identity, known before verification: the `exact` message's hash, otherwise the
/// scheme payload's ([`PaymentPayload::id`]).
pub fn payment_id(payload: &PaymentPayload) -> Result<[u8; 32], Refusal> {
    Ok(match &payload.payload {
        SchemePayload::Exact { transaction } => {
            crate::exact::message_hash(&crate::exact::decode_transaction(transaction)?)
        }
        _ => payload.id(),
    })
}

/// The [`Reason`] a settlement's code names (settlements report the few below).
fn reason_of(code: &str) -> Reason {
    [
        Reason::SettlementPending,
        Reason::DuplicateSettlement,
        Reason::ExactTransactionFailed,
    ]
    .into_iter()
    .find(|r| r.code() == code)
    .unwrap_or(Reason::UnexpectedSettleError)
}
