//! Buying from a service (`data`) agent the way its customers do, to certify it: the certifier
//! asks the endpoint unpaid (it must answer 402 with its terms, at the manifest's price), then
//! buys it the three ways x402 pays here — an escrow grant redeemed per request, cumulative
//! vouchers against a grant, and SVM `exact` transfers — and measures what it got and what it
//! paid: valid responses (2xx with a JSON body), latency per paid request, and what reached the
//! chain from its accounts against what it owed (the price of each valid response). A charge
//! for a failed response — settled in the response, or money moved — is counted per scheme.
//! [`super::stages::service`] turns a report into a verdict.
use std::time::Instant;

use agentrunner_client::{
    accounts::{decode, next_grant_base},
    chain::Chain,
    pda,
    rpc::RpcChain,
    send::{SendPolicy, Sender},
};
use agentrunner_x402::{
    client::{Funding, PayingClient, VendorBudget},
    wire::{
        decode as decode_header, PaymentRequired, PAYMENT_REQUIRED, SCHEME_EXACT, SCHEME_GRANT,
        SCHEME_VOUCHER,
    },
};
use anchor_lang::prelude::Pubkey;
use escrow::state::Grant;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{
    agent::AgentUnderTest,
    sandbox::{AgentIdentity, Sandbox},
};

/// The schemes a service must offer, in the order they are bought.
pub const SCHEMES: [&str; 3] = [SCHEME_GRANT, SCHEME_VOUCHER, SCHEME_EXACT];

/// One scheme's purchases.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SchemeReport {
    pub scheme: String,
    pub requests: u32,
    /// 2xx responses with a JSON body.
    pub valid: u32,
    /// Failed or invalid responses it was charged for.
    pub charged_failures: u32,
    /// Atoms that left the certifier's accounts for this scheme by the end of its purchases
    /// (vouchers: what the vendor has settled so far).
    pub charged: u64,
    /// The price of each valid response, atoms.
    pub owed: u64,
}

/// What buying from a service showed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceReport {
    pub endpoint: String,
    /// The price its 402 asked per request, atoms of the fee token.
    pub price: u64,
    /// The schemes its 402 offered.
    pub offered: Vec<String>,
    pub schemes: Vec<SchemeReport>,
    /// Wall-clock milliseconds of each paid request, payment included.
    pub latencies_ms: Vec<u32>,
    /// Why nothing could be bought (no 402, or terms it cannot be paid on), if so.
    pub unpaid: Option<String>,
}

impl ServiceReport {
    pub fn requests(&self) -> u32 {
        self.schemes.iter().map(|s| s.requests).sum()
    }

    pub fn valid(&self) -> u32 {
        self.schemes.iter().map(|s| s.valid).sum()
    }

    pub fn charged_failures(&self) -> u32 {
        self.schemes.iter().map(|s| s.charged_failures).sum()
    }
}

/// The certifier as a customer: a funded key (SOL and the fee token) on the cluster at `url`.
pub struct Buyer<'a> {
    pub url: &'a str,
    pub keypair: &'a Keypair,
    /// The service vendor's key: the grants' redeemer (the agent's owner).
    pub vendor: Pubkey,
}

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("service: {e}")
}

/// Buys `endpoint` `per_scheme` times with each scheme it offers.
pub async fn buy(
    buyer: &Buyer<'_>,
    endpoint: &str,
    per_scheme: u32,
) -> anyhow::Result<ServiceReport> {
    let mut report = ServiceReport {
        endpoint: endpoint.into(),
        ..ServiceReport::default()
    };
    let required = match terms(endpoint).await {
        Ok(required) => required,
        Err(why) => {
            report.unpaid = Some(why);
            return Ok(report);
        }
    };
    report.offered = required.accepts.iter().map(|r| r.scheme.clone()).collect();
    let Some(escrow_terms) = required.accepts.iter().find(|r| r.scheme == SCHEME_GRANT) else {
        report.unpaid = Some("its 402 offers no escrow grant".into());
        return Ok(report);
    };
    let parsed = (
        escrow_terms.atoms(),
        escrow_terms.asset.parse::<Pubkey>(),
        escrow_terms.pay_to.parse::<Pubkey>(),
    );
    let (Ok(price), Ok(mint), Ok(pay_to)) = parsed else {
        report.unpaid = Some("its 402 names no readable price, asset or payTo".into());
        return Ok(report);
    };
    report.price = price;
    let network = escrow_terms.network.clone();
    let chain = RpcChain::new(buyer.url);
    for scheme in SCHEMES {
        if !report.offered.iter().any(|s| s == scheme) {
            continue;
        }
        let purchase = Purchase {
            chain: &chain,
            buyer,
            network: &network,
            mint,
            pay_to,
            price,
            requests: per_scheme,
        };
        let (scheme_report, latencies) = purchase.run(scheme, endpoint).await?;
        report.schemes.push(scheme_report);
        report.latencies_ms.extend(latencies);
    }
    Ok(report)
}

/// The endpoint's 402 terms, or why it gave none.
async fn terms(endpoint: &str) -> Result<PaymentRequired, String> {
    let response = reqwest::get(endpoint)
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    if response.status() != reqwest::StatusCode::PAYMENT_REQUIRED {
        return Err(format!(
            "an unpaid request got {}, not 402 Payment Required",
            response.status()
        ));
    }
    let header = response
        .headers()
        .get(PAYMENT_REQUIRED)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| format!("its 402 has no {PAYMENT_REQUIRED} header"))?;
    decode_header(header).map_err(|e| format!("its {PAYMENT_REQUIRED} is malformed: {e}"))
}

/// One scheme's purchases on the terms the 402 gave.
struct Purchase<'a> {
    chain: &'a RpcChain,
    buyer: &'a Buyer<'a>,
    network: &'a str,
    mint: Pubkey,
    pay_to: Pubkey,
    price: u64,
    requests: u32,
}

impl Purchase<'_> {
    /// Buys `endpoint` `requests` times with `scheme`; its report and each request's latency.
    async fn run(&self, scheme: &str, endpoint: &str) -> anyhow::Result<(SchemeReport, Vec<u32>)> {
        let (client, grant) = self.client(scheme).await?;
        let wallet = pda::ata(
            &self.buyer.keypair.pubkey(),
            &self.mint,
            &anchor_spl::token::ID,
        );
        let charged_so_far = || async {
            match grant {
                Some(grant) => self
                    .chain
                    .fetch::<Grant>(&grant)
                    .await
                    .map(|g| g.redeemed)
                    .map_err(fail),
                // Exact: what left the wallet (the balance only falls here).
                None => self.chain.token_balance(&wallet).await.map_err(fail),
            }
        };
        let start = charged_so_far().await?;
        let charged = |now: u64| {
            if grant.is_some() {
                now - start
            } else {
                start - now
            }
        };
        let mut report = SchemeReport {
            scheme: scheme.into(),
            ..SchemeReport::default()
        };
        let mut latencies = Vec::new();
        let mut before = 0;
        for _ in 0..self.requests {
            let sent = Instant::now();
            let paid = client.get(endpoint).await;
            latencies.push(u32::try_from(sent.elapsed().as_millis()).unwrap_or(u32::MAX));
            report.requests += 1;
            let valid = paid.as_ref().is_ok_and(|p| {
                p.status.is_success()
                    && serde_json::from_slice::<serde_json::Value>(&p.body).is_ok()
            });
            // What has left so far, read once per request (the next one starts from it).
            let after = charged(charged_so_far().await?);
            if valid {
                report.valid += 1;
                report.owed += self.price;
            } else {
                let settled = paid
                    .as_ref()
                    .is_ok_and(|p| p.settlement.as_ref().is_some_and(|s| s.success));
                if settled || after > before {
                    report.charged_failures += 1;
                }
            }
            before = after;
        }
        report.charged = charged(charged_so_far().await?);
        // Money that moved beyond what was owed is a failure charged, even if settled late.
        let excess = report.charged.saturating_sub(report.owed);
        let late = u32::try_from(excess.div_ceil(self.price.max(1))).unwrap_or(u32::MAX);
        report.charged_failures = report.charged_failures.max(late);
        Ok((report, latencies))
    }

    /// A client paying with `scheme` and, for the escrow schemes, the grant it pays from (a
    /// budget and grant of its own, opened now, to the vendor).
    async fn client(&self, scheme: &str) -> anyhow::Result<(PayingClient, Option<Pubkey>)> {
        let keypair = self.buyer.keypair;
        let total = self.price.saturating_mul(u64::from(self.requests));
        if scheme == SCHEME_EXACT {
            let exact = Funding::Exact {
                payer: Box::new(keypair.insecure_clone()),
                chain: RpcChain::new(self.buyer.url),
            };
            let client =
                PayingClient::new(self.network.into(), self.mint, exact, self.price, total);
            return Ok((client, None));
        }
        let now = self.chain.clock().await?.unix_timestamp;
        let session = Keypair::new();
        let budget = VendorBudget {
            payer: keypair.pubkey(),
            payer_token: pda::ata(&keypair.pubkey(), &self.mint, &anchor_spl::token::ID),
            id: solana_sha256_hasher::hash(&session.pubkey().to_bytes()).to_bytes(),
            mint: self.mint,
            deposit: total,
            max_amount: total,
            vendor: self.buyer.vendor,
            vendor_token: self.pay_to,
            not_before: now,
            expires_at: now + 86_400,
            session: (scheme == SCHEME_VOUCHER).then(|| session.pubkey()),
            first_grant: next_grant_base(self.chain, &keypair.pubkey()).await?,
        };
        let sender = Sender::unjournaled(self.chain, SendPolicy::immediate());
        let intent = format!("service-budget:{}", budget.grant());
        sender
            .send(&intent, keypair, &budget.instructions(), &[], &[])
            .await
            .map_err(fail)?;
        let grant = budget.grant();
        let funding = if scheme == SCHEME_VOUCHER {
            let account = self
                .chain
                .account(&grant)
                .await?
                .ok_or_else(|| fail("the grant did not open"))?;
            let issued: Grant = decode(&grant, &account.data)?;
            budget.voucher_funding(session, issued.issued_slot)
        } else {
            Funding::Grant { grant }
        };
        let client = PayingClient::new(self.network.into(), self.mint, funding, self.price, total);
        Ok((client, Some(grant)))
    }
}

/// Buys the service of `agent` (registered as `identity`) `per_scheme` times per scheme in a
/// fresh sandbox whose files go to `dir`: the agent is started against the sandbox and must
/// answer at `path` on the sandbox's service port within `startup`.
pub async fn in_sandbox(
    agent: &AgentUnderTest,
    identity: &AgentIdentity,
    path: &str,
    per_scheme: u32,
    startup: std::time::Duration,
    dir: std::path::PathBuf,
) -> anyhow::Result<ServiceReport> {
    let sandbox = Sandbox::start(dir).await?;
    let result = async {
        sandbox.admit(identity).await?;
        let chain = &*sandbox.chain;
        let buyer = chain.funded_keypair(10_000_000_000).await.map_err(fail)?;
        let fee_token = &sandbox.localnet.deployment.fee_token;
        sandbox
            .localnet
            .fund_tokens(chain, &buyer.pubkey(), fee_token, 1_000_000_000)
            .await
            .map_err(fail)?;
        let mut running = agent.start(&identity.agent, &sandbox.address)?;
        let endpoint = format!("http://127.0.0.1:{}{path}", sandbox.address.service_port);
        let waiting = Instant::now();
        while reqwest::get(&endpoint).await.is_err() && running.is_running() {
            if waiting.elapsed() > startup {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let buyer = Buyer {
            url: &sandbox.address.url,
            keypair: &buyer,
            vendor: identity.authority,
        };
        let report = buy(&buyer, &endpoint, per_scheme).await;
        running.stop();
        report
    }
    .await;
    sandbox.stop();
    result
}
