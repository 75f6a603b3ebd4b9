//! x402 over real HTTP on 127.0.0.1, the embedded chain behind it (served over JSON-RPC): a
//! vendor's paid `/ohlcv` endpoint paid with escrow grants and cumulative vouchers.
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

mod http;

/// Price of one `/ohlcv` request: 0.001 USDC.
const PRICE: u64 = 1_000;

struct Vendor {
    chain: Arc<EmbeddedChain>,
    localnet: Localnet,
    _rpc: RpcServer,
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
        _rpc: rpc,
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

    async fn grant_state(&self, grant: &Pubkey) -> Grant {
        self.chain.fetch(grant).await.unwrap()
    }

    async fn balance(&self, account: &Pubkey) -> u64 {
        Chain::token_balance(&*self.chain, account).await.unwrap()
    }
}
