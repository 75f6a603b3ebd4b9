//! The vendor side: [`Paywall`] answers an unpaid request with `402` and `PAYMENT-REQUIRED`,
//! verifies a `PAYMENT-SIGNATURE` against chain state before anything is served, serves each
//! payment once (the payment identifier is the idempotency key), then settles: a grant payment
//! is redeemed at once (the vendor's key is the grant's redeemer), a voucher is kept and settled
//! with the others of its grant in one `settle_voucher` later ([`Paywall::settle_vouchers`]).
//! A settlement whose outcome is unknown is reconciled from the grant's on-chain state, never
//! paid twice.
use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
};

use agentrunner_client::{
    chain::Chain,
    ix::escrow::{redeem, settle_voucher, BudgetRef},
    rpc::RpcChain,
    send::{NoJournal, SendPolicy, Sender},
    voucher::{ed25519_instruction, SignedVoucher, Voucher},
};
use anchor_lang::prelude::Pubkey;
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use escrow::{
    instructions::SettleVoucherArgs,
    state::{Budget, Grant},
};
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;

use crate::wire::{
    decode_payment, encode, PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo,
    SchemePayload, SettleResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE,
    SCHEME_GRANT, SCHEME_VOUCHER, X402_VERSION,
};

/// Seconds a payment offer stays valid.
pub const MAX_TIMEOUT_SECS: u64 = 60;

/// A payment that passed verification, reserved for one request.
#[derive(Clone, Debug)]
pub struct Charge {
    pub id: [u8; 32],
    pub payload: PaymentPayload,
    pub amount: u64,
    pub grant: Pubkey,
    pub budget: Budget,
    pub budget_key: Pubkey,
    /// What the grant had redeemed at verification (a first voucher must exceed it).
    pub redeemed: u64,
    /// The voucher, for the voucher scheme.
    pub voucher: Option<SignedVoucher>,
}

/// Why a payment was refused (all before anything is served or moved).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("malformed {PAYMENT_SIGNATURE}: {0}")]
    Malformed(String),
    #[error("payment not acceptable: {0}")]
    Unacceptable(String),
    #[error("payment already used")]
    Replayed,
    #[error("cannot read chain state: {0}")]
    Chain(String),
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::Malformed(_) => StatusCode::BAD_REQUEST,
            Refusal::Unacceptable(_) | Refusal::Replayed => StatusCode::PAYMENT_REQUIRED,
            Refusal::Chain(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

#[derive(Default)]
struct Ledger {
    /// Payment ids served or being served.
    used: HashSet<[u8; 32]>,
    /// The latest accepted voucher per grant (cumulative).
    vouchers: HashMap<Pubkey, (SignedVoucher, Pubkey)>,
}

/// A vendor's x402 front door.
pub struct Paywall {
    pub chain: RpcChain,
    /// The vendor: the grants' redeemer; pays settlement fees.
    pub vendor: Keypair,
    /// Where payments go: the vendor's token account (grants must name it).
    pub pay_to: Pubkey,
    pub mint: Pubkey,
    /// CAIP-2 network id of the cluster.
    pub network: String,
    ledger: Mutex<Ledger>,
}

fn bad(e: impl std::fmt::Display) -> Refusal {
    Refusal::Malformed(e.to_string())
}

impl Paywall {
    /// A paywall on `chain` for `vendor`, paid in `mint` to `pay_to`.
    pub async fn new(
        chain: RpcChain,
        vendor: Keypair,
        pay_to: Pubkey,
        mint: Pubkey,
    ) -> agentrunner_client::ClientResult<Self> {
        let network = crate::wire::network_id(&chain.genesis_hash().await?.to_string());
        Ok(Self {
            chain,
            vendor,
            pay_to,
            mint,
            network,
            ledger: Mutex::new(Ledger::default()),
        })
    }

    fn requirement(&self, scheme: &str, price: u64) -> PaymentRequirements {
        PaymentRequirements {
            scheme: scheme.into(),
            network: self.network.clone(),
            asset: self.mint.to_string(),
            amount: price.to_string(),
            pay_to: self.pay_to.to_string(),
            max_timeout_seconds: MAX_TIMEOUT_SECS,
            extra: serde_json::json!({ "escrowProgram": escrow::ID.to_string() }),
        }
    }

    /// What a request for `resource` at `price` atoms must pay.
    pub fn required(&self, resource: &ResourceInfo, price: u64) -> PaymentRequired {
        PaymentRequired {
            x402_version: X402_VERSION,
            error: None,
            resource: resource.clone(),
            accepts: vec![
                self.requirement(SCHEME_GRANT, price),
                self.requirement(SCHEME_VOUCHER, price),
            ],
        }
    }

    /// The 402 answer (with `error` when a payment was refused).
    pub fn payment_required(
        &self,
        resource: &ResourceInfo,
        price: u64,
        error: Option<&Refusal>,
    ) -> Response {
        let mut body = self.required(resource, price);
        body.error = error.map(ToString::to_string);
        let status = error.map_or(StatusCode::PAYMENT_REQUIRED, Refusal::status);
        let mut response = (status, axum::Json(body.clone())).into_response();
        if let Ok(value) = HeaderValue::from_str(&encode(&body)) {
            response.headers_mut().insert(PAYMENT_REQUIRED, value);
        }
        response
    }

    /// Verifies the request's payment for `price` and reserves it; `Ok(None)` when it carries none.
    pub async fn charge(&self, headers: &HeaderMap, price: u64) -> Result<Option<Charge>, Refusal> {
        let Some(header) = headers.get(PAYMENT_SIGNATURE) else {
            return Ok(None);
        };
        let payload = decode_payment(header.to_str().map_err(bad)?).map_err(bad)?;
        let charge = self.verify(&payload, price).await?;
        if !self.reserve(&charge) {
            return Err(Refusal::Replayed);
        }
        let mut ledger = self.ledger.lock().expect("ledger");
        if let Some(voucher) = charge.voucher {
            // Accept only vouchers that raise the grant's total by at least the price.
            let floor = ledger
                .vouchers
                .get(&charge.grant)
                .map_or(charge.redeemed, |(v, _)| v.voucher.cumulative);
            if voucher.voucher.cumulative < floor.saturating_add(price) {
                ledger.used.remove(&charge.id);
                return Err(Refusal::Unacceptable(format!(
                    "voucher total {} does not cover {} more than the {} already authorized",
                    voucher.voucher.cumulative, price, floor
                )));
            }
            ledger
                .vouchers
                .insert(charge.grant, (voucher, charge.budget_key));
        }
        Ok(Some(charge))
    }

    /// Marks `charge` used; false if it already was (a replay).
    pub fn reserve(&self, charge: &Charge) -> bool {
        self.ledger.lock().expect("ledger").used.insert(charge.id)
    }

    /// Checks a payment against the requirement and chain state (nothing is reserved).
    pub async fn verify(&self, payload: &PaymentPayload, price: u64) -> Result<Charge, Refusal> {
        let unacceptable = |why: String| Refusal::Unacceptable(why);
        let accepted = &payload.accepted;
        if accepted.network != self.network {
            return Err(bad(format!(
                "network {} is not this cluster ({})",
                accepted.network, self.network
            )));
        }
        if accepted.pay_to != self.pay_to.to_string() || accepted.asset != self.mint.to_string() {
            return Err(unacceptable(
                "payTo or asset differ from this vendor's".into(),
            ));
        }
        if accepted.atoms().map_err(bad)? < price {
            return Err(unacceptable(format!(
                "amount {} is below the price {price}",
                accepted.amount
            )));
        }
        let key = |text: &str| {
            text.parse::<Pubkey>()
                .map_err(|_| bad(format!("{text:?} is not a public key")))
        };
        let grant_key = match &payload.payload {
            SchemePayload::Grant { grant, .. } | SchemePayload::Voucher { grant, .. } => {
                key(grant)?
            }
        };
        let chain_error = |e: agentrunner_client::ClientError| Refusal::Chain(e.to_string());
        let grant: Grant = self
            .chain
            .fetch(&grant_key)
            .await
            .map_err(|_| unacceptable(format!("no grant {grant_key}")))?;
        let budget: Budget = self.chain.fetch(&grant.budget).await.map_err(chain_error)?;
        if grant.vendor != self.pay_to {
            return Err(unacceptable("the grant pays another vendor".into()));
        }
        if budget.mint != self.mint {
            return Err(unacceptable("the grant's budget is in another mint".into()));
        }
        let now = self
            .chain
            .clock()
            .await
            .map_err(chain_error)?
            .unix_timestamp;
        let voucher = match (&payload.payload, accepted.scheme.as_str()) {
            (SchemePayload::Grant { .. }, SCHEME_GRANT) => {
                if grant.redeemer != self.vendor.pubkey() {
                    return Err(unacceptable(
                        "this vendor is not the grant's redeemer".into(),
                    ));
                }
                grant
                    .require_redeemable(price, now)
                    .map_err(|e| unacceptable(format!("grant cannot pay: {e}")))?;
                None
            }
            (
                SchemePayload::Voucher {
                    budget: budget_text,
                    grant_issued_slot,
                    cumulative,
                    expires_at,
                    signer,
                    signature,
                    ..
                },
                SCHEME_VOUCHER,
            ) => {
                let signer = key(signer)?;
                if key(budget_text)? != grant.budget || Some(signer) != budget.session_key {
                    return Err(unacceptable(
                        "the voucher is not signed by the budget's session key".into(),
                    ));
                }
                if *expires_at <= now
                    || *cumulative > grant.max_amount
                    || *grant_issued_slot != grant.issued_slot
                {
                    return Err(unacceptable(
                        "the voucher is expired, above the grant, or for another grant".into(),
                    ));
                }
                let voucher = Voucher {
                    budget: grant.budget,
                    grant: grant_key,
                    grant_issued_slot: grant.issued_slot,
                    vendor: self.pay_to,
                    cumulative: *cumulative,
                    expires_at: *expires_at,
                };
                let signature: Signature = signature
                    .parse()
                    .map_err(|_| bad("bad signature encoding"))?;
                if !signature.verify(signer.as_ref(), &voucher.message()) {
                    return Err(unacceptable("the voucher signature does not verify".into()));
                }
                let mut bytes = [0u8; 64];
                bytes.copy_from_slice(signature.as_ref());
                Some(SignedVoucher {
                    voucher,
                    signer,
                    signature: bytes,
                })
            }
            _ => {
                return Err(bad(format!(
                    "payload does not match scheme {}",
                    accepted.scheme
                )))
            }
        };
        Ok(Charge {
            id: payload.id(),
            payload: payload.clone(),
            amount: price,
            grant: grant_key,
            budget_key: grant.budget,
            budget,
            redeemed: grant.redeemed,
            voucher,
        })
    }

    fn sender(&self) -> Sender<'_, RpcChain, NoJournal> {
        Sender::new(&self.chain, SendPolicy::default())
    }

    fn funds(charge: &Charge) -> BudgetRef {
        BudgetRef {
            budget: charge.budget_key,
            vault: charge.budget.vault,
            mint: charge.budget.mint,
            token_program: charge.budget.token_program,
        }
    }

    /// Settles a served charge: grants are redeemed now; vouchers wait for their batch. A
    /// redemption whose outcome is unknown is reconciled from the grant (its last receipt hash
    /// names the payment), so it is never paid twice.
    pub async fn settle(&self, charge: &Charge) -> SettleResponse {
        let payer = charge.budget.payer.to_string();
        let done = |transaction: String| SettleResponse {
            success: true,
            error_reason: None,
            transaction,
            network: self.network.clone(),
            payer: payer.clone(),
            amount: charge.amount.to_string(),
        };
        if charge.voucher.is_some() {
            return done(String::new());
        }
        let ix = redeem(
            &Self::funds(charge),
            &charge.grant,
            &self.pay_to,
            &self.vendor.pubkey(),
            charge.amount,
            charge.id,
        );
        let intent = format!("x402:{}", bs58::encode(charge.id).into_string());
        match self
            .sender()
            .send(&intent, &self.vendor, &[ix], &[], &[])
            .await
        {
            Ok(landed) => done(landed.signature.to_string()),
            Err(error) => {
                let settled = self
                    .chain
                    .fetch::<Grant>(&charge.grant)
                    .await
                    .is_ok_and(|g| g.last_receipt_hash == charge.id);
                if settled {
                    done(String::new())
                } else {
                    SettleResponse {
                        success: false,
                        error_reason: Some(error.to_string()),
                        ..done(String::new())
                    }
                }
            }
        }
    }

    /// Settles every grant's latest voucher in one transaction each; returns the signatures.
    pub async fn settle_vouchers(
        &self,
    ) -> Result<Vec<Signature>, agentrunner_client::send::SendError> {
        let latest: Vec<(Pubkey, (SignedVoucher, Pubkey))> = self
            .ledger
            .lock()
            .expect("ledger")
            .vouchers
            .iter()
            .map(|(g, v)| (*g, *v))
            .collect();
        let mut signatures = Vec::new();
        for (grant_key, (signed, budget_key)) in latest {
            let grant: Grant = self.chain.fetch(&grant_key).await?;
            if grant.redeemed >= signed.voucher.cumulative {
                continue;
            }
            let budget: Budget = self.chain.fetch(&budget_key).await?;
            let funds = BudgetRef {
                budget: budget_key,
                vault: budget.vault,
                mint: budget.mint,
                token_program: budget.token_program,
            };
            let ixs = [
                ed25519_instruction(&[signed]),
                settle_voucher(
                    &funds,
                    &grant_key,
                    &self.pay_to,
                    SettleVoucherArgs {
                        cumulative: signed.voucher.cumulative,
                        expires_at: signed.voucher.expires_at,
                        ed25519_instruction_index: 0,
                        signature_index: 0,
                    },
                ),
            ];
            let intent = format!("settle:{grant_key}:{}", signed.voucher.cumulative);
            let landed = self
                .sender()
                .send(&intent, &self.vendor, &ixs, &[], &[])
                .await?;
            signatures.push(landed.signature);
        }
        Ok(signatures)
    }

    /// Serves `resource` at `price` behind the paywall: 402 without a payment, 4xx for a bad one,
    /// otherwise `serve`'s response with `PAYMENT-RESPONSE` once settled.
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
        let settlement = self.settle(&charge).await;
        if let Ok(value) = HeaderValue::from_str(&encode(&settlement)) {
            response.headers_mut().insert(PAYMENT_RESPONSE, value);
        }
        response
    }
}
