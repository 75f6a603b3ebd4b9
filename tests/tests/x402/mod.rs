//! x402 over real HTTP on 127.0.0.1, the embedded chain behind it (served over JSON-RPC): a
//! vendor's paid `/ohlcv` endpoint paid with SVM `exact`, escrow grants and cumulative vouchers,
//! and the reference `@x402/*` packages paying us and being paid by us.
use std::{net::SocketAddr, sync::Arc};

use agentrunner_client::{
    chain::Chain,
    ix::{self, escrow::BudgetRef},
    rpc::RpcChain,
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    rpc_server::{serve as serve_rpc, RpcServer},
    EmbeddedChain,
};
use agentrunner_keepers::broker::http::{router, serve, DataService};
use agentrunner_x402::{
    client::{Funding, PayError, PayingClient, VendorBudget},
    network::PublicCluster,
    paywall::Paywall,
    wire::{
        decode, encode, PaymentRequired, SettleResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE,
        PAYMENT_SIGNATURE,
    },
};
use anchor_lang::prelude::Pubkey;
use escrow::state::Grant;
use solana_keypair::Keypair;
use solana_signer::Signer;

mod exact;
mod http;
mod pending;
mod reference;

/// Price of one `/ohlcv` request: 0.001 USDC.
const PRICE: u64 = 1_000;

struct Vendor {
    chain: Arc<EmbeddedChain>,
    localnet: Localnet,
    rpc: RpcServer,
    rpc_url: String,
    base: String,
    vendor: Keypair,
    vendor_usdc: Pubkey,
    usdc: Pubkey,
    network: String,
    paywall: Arc<Paywall>,
}

/// A payer's budget with one grant to the vendor.
struct Funded {
    payer: Keypair,
    payer_usdc: Pubkey,
    budget: BudgetRef,
    grant: Pubkey,
    deposit: u64,
}

async fn vendor() -> Vendor {
    vendor_on(None).await
}

/// A vendor whose requirements name the local cluster as `label`.
async fn vendor_on(label: Option<PublicCluster>) -> Vendor {
    let chain = Arc::new(EmbeddedChain::start().await.unwrap());
    let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[])
        .await
        .unwrap();
    let rpc = serve_rpc(chain.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let rpc_url = rpc.url();
    let vendor = chain.funded_keypair(10_000_000_000).await.unwrap();
    let vendor_usdc = localnet
        .fund_tokens(&chain, &vendor.pubkey(), "USDC", 0)
        .await
        .unwrap();
    let usdc = localnet.deployment.token("USDC").unwrap().mint;
    let paywall = Arc::new(
        Paywall::new(
            RpcChain::new(&rpc_url),
            vendor.insecure_clone(),
            vendor_usdc,
            usdc,
        )
        .await
        .unwrap()
        .labelled(label)
        .unwrap(),
    );
    let network = paywall.network.clone();
    let service = Arc::new(DataService::new(
        paywall.clone(),
        localnet.deployment.clone(),
        PRICE,
    ));
    let (addr, _task): (SocketAddr, _) = serve(router(service), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Vendor {
        chain,
        localnet,
        rpc,
        rpc_url,
        base: format!("http://{addr}"),
        vendor,
        vendor_usdc,
        usdc,
        network,
        paywall,
    }
}

impl Vendor {
    fn url(&self) -> String {
        format!("{}/ohlcv?symbol=SOL", self.base)
    }

    /// What the unpaid resource asks for (the 402's `PAYMENT-REQUIRED`).
    async fn required(&self) -> PaymentRequired {
        let unpaid = reqwest::get(self.url()).await.unwrap();
        decode(unpaid.headers()[PAYMENT_REQUIRED].to_str().unwrap()).unwrap()
    }

    /// GETs the resource with `header` as its `PAYMENT-SIGNATURE`.
    async fn send_payment(&self, header: impl AsRef<str>) -> reqwest::Response {
        reqwest::Client::new()
            .get(self.url())
            .header(PAYMENT_SIGNATURE, header.as_ref())
            .send()
            .await
            .unwrap()
    }

    /// A payer with a budget of `deposit` atoms and a grant of `max` to `vendor_token`, redeemable
    /// by the vendor's key.
    async fn fund(&self, deposit: u64, max: u64, vendor_token: Pubkey) -> Funded {
        let payer = self.chain.funded_keypair(10_000_000_000).await.unwrap();
        let payer_usdc = self
            .localnet
            .fund_tokens(&self.chain, &payer.pubkey(), "USDC", 10 * deposit)
            .await
            .unwrap();
        let now = self.chain.clock().await.unwrap().unix_timestamp;
        let funding = VendorBudget {
            payer: payer.pubkey(),
            payer_token: payer_usdc,
            id: Keypair::new().pubkey().to_bytes(),
            mint: self.usdc,
            deposit,
            max_amount: max,
            vendor: self.vendor.pubkey(),
            vendor_token,
            not_before: now,
            expires_at: now + 86_400,
            session: None,
            first_grant: 0,
        };
        self.chain
            .send(&funding.instructions(), &[&payer])
            .await
            .unwrap();
        Funded {
            payer,
            payer_usdc,
            grant: funding.grant(),
            budget: funding.budget(),
            deposit,
        }
    }

    fn grant_client(&self, grant: Pubkey, cap: u64) -> PayingClient {
        PayingClient::new(
            self.network.clone(),
            self.usdc,
            Funding::Grant { grant },
            cap,
            1_000 * PRICE,
        )
    }

    /// A payer holding `atoms` USDC in its associated token account, and an `exact` client
    /// paying from it with a per-request cap of `cap`.
    async fn exact_payer(&self, atoms: u64, cap: u64) -> (Keypair, Pubkey, PayingClient) {
        let payer = self.chain.funded_keypair(1_000_000_000).await.unwrap();
        let payer_usdc = self
            .localnet
            .fund_tokens(&self.chain, &payer.pubkey(), "USDC", atoms)
            .await
            .unwrap();
        let client = PayingClient::new(
            self.network.clone(),
            self.usdc,
            Funding::Exact {
                payer: Box::new(payer.insecure_clone()),
                chain: RpcChain::new(&self.rpc_url),
            },
            cap,
            1_000 * PRICE,
        );
        (payer, payer_usdc, client)
    }

    /// The bytes of every account a payment could touch: the vendor's and the payer's token
    /// accounts and both wallets.
    async fn snapshot(&self, payer: &Pubkey, payer_usdc: &Pubkey) -> Vec<Option<Vec<u8>>> {
        let keys = [self.vendor_usdc, *payer_usdc, self.vendor.pubkey(), *payer];
        let mut accounts = Vec::new();
        for key in keys {
            let account = Chain::account(&*self.chain, &key).await.unwrap();
            accounts.push(account.map(|a| [a.data, a.lamports.to_le_bytes().to_vec()].concat()));
        }
        accounts
    }

    async fn grant_state(&self, grant: &Pubkey) -> Grant {
        self.chain.fetch(grant).await.unwrap()
    }

    async fn balance(&self, account: &Pubkey) -> u64 {
        Chain::token_balance(&*self.chain, account).await.unwrap()
    }
}
