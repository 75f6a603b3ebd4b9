//! x402 over HTTP on loopback, the three schemes side by side in one run: for N = 1, 100 and
//! 1,000 paid `/ohlcv` requests from one client, what each paid request costs — lamports (the
//! vendor pays every fee), signatures, bytes (the `PAYMENT-SIGNATURE` header and the settlement
//! transactions) and JSON-RPC requests made (the client's and the vendor's) — and how many
//! requests/s were served.
use std::{sync::atomic::Ordering, sync::Arc, time::Instant};

use agentrunner_client::chain::Chain;
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    rpc_server::{serve as serve_rpc, RpcServer},
    EmbeddedChain,
};
use agentrunner_keepers::broker::http::{serve_data, DataEndpoint};
use agentrunner_x402::{
    client::{Funding, PayingClient, VendorBudget},
    wire::{decode, encode, PaymentRequired, PAYMENT_REQUIRED},
};
use anyhow::{ensure, Result};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::table;

const PRICE: u64 = 1_000;
const COUNTS: [u64; 3] = [1, 100, 1_000];

/// One scheme's run of `n` paid requests.
struct Run {
    scheme: &'static str,
    n: u64,
    requests_per_sec: f64,
    settlement_txs: u64,
    lamports: u64,
    signatures: u64,
    header_bytes: u64,
    tx_bytes: u64,
    rpc_requests: u64,
}

struct World {
    chain: Arc<EmbeddedChain>,
    localnet: Localnet,
    rpc: RpcServer,
}

impl World {
    /// A fresh vendor endpoint and a payer with `atoms` USDC.
    async fn vendor(&self) -> Result<(Keypair, DataEndpoint, Keypair)> {
        let vendor = self.chain.funded_keypair(10_000_000_000).await?;
        self.localnet
            .fund_tokens(&self.chain, &vendor.pubkey(), "USDC", 0)
            .await?;
        let endpoint = serve_data(
            &self.rpc.url(),
            &vendor,
            &self.localnet.deployment,
            PRICE,
            "127.0.0.1:0".parse()?,
            None,
        )
        .await?;
        let payer = self.chain.funded_keypair(10_000_000_000).await?;
        self.localnet
            .fund_tokens(&self.chain, &payer.pubkey(), "USDC", 10_000_000)
            .await?;
        Ok((vendor, endpoint, payer))
    }

    /// Funding of `scheme` for `n` requests from `payer` to `vendor`.
    async fn funding(
        &self,
        scheme: &str,
        n: u64,
        payer: &Keypair,
        vendor: &Keypair,
    ) -> Result<Funding> {
        let usdc = self.localnet.deployment.token("USDC")?.mint;
        if scheme == "exact" {
            return Ok(Funding::Exact {
                payer: Box::new(payer.insecure_clone()),
                chain: agentrunner_client::rpc::RpcChain::new(&self.rpc.url()),
            });
        }
        let session = Keypair::new();
        let now = self.chain.clock().await?.unix_timestamp;
        let deposit = n * PRICE;
        let budget = VendorBudget {
            payer: payer.pubkey(),
            payer_token: agentrunner_client::pda::ata(
                &payer.pubkey(),
                &usdc,
                &anchor_spl::token::ID,
            ),
            id: Keypair::new().pubkey().to_bytes(),
            mint: usdc,
            deposit,
            max_amount: deposit,
            vendor: vendor.pubkey(),
            vendor_token: agentrunner_client::pda::ata(
                &vendor.pubkey(),
                &usdc,
                &anchor_spl::token::ID,
            ),
            not_before: now,
            expires_at: now + 86_400,
            session: (scheme == "voucher").then(|| session.pubkey()),
            first_grant: agentrunner_client::accounts::next_grant_base(
                self.chain.as_ref(),
                &payer.pubkey(),
            )
            .await?,
        };
        self.chain.send(&budget.instructions(), &[payer]).await?;
        Ok(if scheme == "voucher" {
            let grant: escrow::state::Grant = self.chain.fetch(&budget.grant()).await?;
            budget.voucher_funding(session, grant.issued_slot)
        } else {
            Funding::Grant {
                grant: budget.grant(),
            }
        })
    }

    async fn run(&self, scheme: &'static str, n: u64) -> Result<Run> {
        let (vendor, endpoint, payer) = self.vendor().await?;
        let usdc = self.localnet.deployment.token("USDC")?.mint;
        let client = PayingClient::new(
            endpoint.paywall.network.clone(),
            usdc,
            self.funding(scheme, n, &payer, &vendor).await?,
            PRICE,
            // n paid requests, and one more payment built (not sent) to measure its header.
            (n + 1) * PRICE,
        );
        let url = format!("http://{}/ohlcv?symbol=SOL", endpoint.addr);
        // One payment header's size (the same for every request of a scheme, give or take a
        // digit of the voucher's total).
        let unpaid = client.http.get(&url).send().await?;
        let required: PaymentRequired = decode(unpaid.headers()[PAYMENT_REQUIRED].to_str()?)?;
        let vendor_lamports = self.chain.balance(&vendor.pubkey()).await?;
        let rpc_before = self.rpc.served.requests.load(Ordering::Relaxed);
        let started = Instant::now();
        let mut signatures = Vec::new();
        for _ in 0..n {
            let paid = client.get(&url).await?;
            ensure!(paid.status.is_success(), "{scheme}: request refused");
            let settlement = paid.settlement.expect("PAYMENT-RESPONSE");
            ensure!(settlement.success, "{scheme}: {settlement:?}");
            if !settlement.transaction.is_empty() {
                signatures.push(settlement.transaction.parse()?);
            }
        }
        let elapsed = started.elapsed();
        if scheme == "voucher" {
            signatures.extend(endpoint.paywall.settle_vouchers().await?);
        }
        let rpc_requests = self.rpc.served.requests.load(Ordering::Relaxed) - rpc_before;
        let (payment, _) = client.pay(&required).await?;
        let header_bytes = encode(&payment).len() as u64;
        let vendor_usdc =
            agentrunner_client::pda::ata(&vendor.pubkey(), &usdc, &anchor_spl::token::ID);
        ensure!(
            self.chain.token_balance(&vendor_usdc).await? == n * PRICE,
            "{scheme}: the vendor received n prices"
        );
        let mut tx_bytes = 0;
        let mut tx_signatures = 0;
        for signature in &signatures {
            let record = self.chain.transaction_record(signature).expect("landed");
            tx_bytes += bincode::serialize(&record.tx)?.len() as u64;
            tx_signatures += record.fee / 5_000;
        }
        endpoint.task.abort();
        Ok(Run {
            scheme,
            n,
            requests_per_sec: n as f64 / elapsed.as_secs_f64(),
            settlement_txs: signatures.len() as u64,
            lamports: vendor_lamports - self.chain.balance(&vendor.pubkey()).await?,
            signatures: tx_signatures,
            header_bytes,
            tx_bytes,
            rpc_requests,
        })
    }
}

pub async fn run() -> Result<()> {
    let chain = Arc::new(EmbeddedChain::start().await?);
    let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[]).await?;
    let rpc = serve_rpc(chain.clone(), "127.0.0.1:0".parse()?).await?;
    let world = World {
        chain,
        localnet,
        rpc,
    };
    let mut rows = vec![[
        "scheme",
        "paid requests",
        "requests/s served",
        "settlement txs",
        "lamports / request",
        "signatures / request",
        "header bytes",
        "settlement bytes / request",
        "RPC requests / request (client + vendor)",
    ]
    .map(String::from)
    .to_vec()];
    for n in COUNTS {
        for scheme in ["exact", "grant", "voucher"] {
            eprintln!("x402: {n} paid requests with {scheme}");
            let run = world.run(scheme, n).await?;
            let per = |x: u64| format!("{:.3}", x as f64 / run.n as f64);
            rows.push(vec![
                run.scheme.into(),
                run.n.to_string(),
                format!("{:.0}", run.requests_per_sec),
                run.settlement_txs.to_string(),
                per(run.lamports),
                per(run.signatures),
                run.header_bytes.to_string(),
                per(run.tx_bytes),
                per(run.rpc_requests),
            ]);
        }
    }
    table::print(
        "x402 over HTTP on loopback: exact, grant and voucher side by side (embedded chain behind JSON-RPC)",
        &rows,
    );
    println!("\nOne client, sequential requests, each verified against chain state before it is served. The vendor pays every fee (exact: as fee payer). Signatures are the fee's signature count (a voucher batch verifies its ed25519 signature too). Requests/s is this build's wall clock, the three schemes in one run.");
    Ok(())
}
