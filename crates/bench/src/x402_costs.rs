//! x402 over HTTP on loopback: requests per second served with voucher payments, and lamports
//! per paid request after one batched settlement, beside one SPL-transfer payment per request
//! (the `exact` scheme's cost, with a facilitator paying the fee: 2 signatures).
use std::{sync::Arc, time::Instant};

use agentrunner_client::chain::Chain;
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    rpc_server::serve as serve_rpc,
    EmbeddedChain,
};
use agentrunner_keepers::broker::http::serve_data;
use agentrunner_x402::client::{PayingClient, VendorBudget};
use anyhow::{ensure, Result};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::table;

const PRICE: u64 = 1_000;
const REQUESTS: u64 = 500;

pub async fn run() -> Result<()> {
    let chain = Arc::new(EmbeddedChain::start().await?);
    let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[]).await?;
    let rpc = serve_rpc(chain.clone(), "127.0.0.1:0".parse()?).await?;
    let vendor = chain.funded_keypair(10_000_000_000).await?;
    let usdc = localnet.deployment.token("USDC")?.mint;
    let vendor_usdc = localnet
        .fund_tokens(&chain, &vendor.pubkey(), "USDC", 0)
        .await?;
    let endpoint = serve_data(
        &rpc.url(),
        &vendor,
        &localnet.deployment,
        PRICE,
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let (paywall, addr) = (&endpoint.paywall, endpoint.addr);

    let payer = chain.funded_keypair(10_000_000_000).await?;
    let payer_usdc = localnet
        .fund_tokens(&chain, &payer.pubkey(), "USDC", 10_000_000)
        .await?;
    let session = Keypair::new();
    let now = chain.clock().await?.unix_timestamp;
    let deposit = REQUESTS * PRICE;
    let funding = VendorBudget {
        payer: payer.pubkey(),
        payer_token: payer_usdc,
        id: [7u8; 32],
        mint: usdc,
        deposit,
        max_amount: deposit,
        vendor: vendor.pubkey(),
        vendor_token: vendor_usdc,
        not_before: now,
        expires_at: now + 86_400,
        session: Some(session.pubkey()),
        first_grant: agentrunner_client::accounts::next_grant_base(chain.as_ref(), &payer.pubkey())
            .await?,
    };
    chain.send(&funding.instructions(), &[&payer]).await?;
    let grant: escrow::state::Grant = chain.fetch(&funding.grant()).await?;
    let client = PayingClient::new(
        paywall.network.clone(),
        usdc,
        funding.voucher_funding(session, grant.issued_slot),
        PRICE,
        deposit,
    );
    let url = format!("http://{addr}/ohlcv?symbol=SOL");
    let started = Instant::now();
    for _ in 0..REQUESTS {
        let paid = client.get(&url).await?;
        ensure!(paid.status.is_success(), "request refused");
    }
    let elapsed = started.elapsed();
    let lamports_before = chain.balance(&vendor.pubkey()).await?;
    let settled = paywall.settle_vouchers().await?;
    let settlement_fee = lamports_before - chain.balance(&vendor.pubkey()).await?;
    ensure!(
        chain.token_balance(&vendor_usdc).await? == deposit,
        "vendor paid the sum"
    );

    // `exact`: one SPL transfer per request, client + facilitator signing.
    let facilitator = chain.funded_keypair(1_000_000_000).await?;
    let transfer = spl_token_interface::instruction::transfer_checked(
        &spl_token_interface::ID,
        &payer_usdc,
        &usdc,
        &vendor_usdc,
        &payer.pubkey(),
        &[],
        PRICE,
        6,
    )?;
    let exact = chain
        .send_with_payer(&facilitator, &[transfer], &[&payer])
        .await?;

    table::print(
        "x402 over HTTP on loopback (embedded chain behind JSON-RPC)",
        &[
            vec![
                "payment".into(),
                "requests".into(),
                "requests/s served".into(),
                "settlement txs".into(),
                "lamports per paid request".into(),
            ],
            vec![
                "vouchers, one batched settlement".into(),
                REQUESTS.to_string(),
                format!("{:.0}", REQUESTS as f64 / elapsed.as_secs_f64()),
                settled.len().to_string(),
                format!("{:.0}", settlement_fee as f64 / REQUESTS as f64),
            ],
            vec![
                "exact: SPL transfer per request".into(),
                "1".into(),
                "-".into(),
                "1 per request".into(),
                exact.fee.to_string(),
            ],
        ],
    );
    println!("\nEach voucher request is verified against chain state (grant, budget, clock) over JSON-RPC before it is served; requests/s is this machine's dev build.");
    endpoint.task.abort();
    rpc.stop();
    Ok(())
}
