//! The owner buys the SOL price series from a vendor's HTTP endpoint, paying each request with
//! a cumulative voucher over x402; the vendor settles them in one transaction and the owner
//! takes the unused data budget back. The chain is served over JSON-RPC for the paywall.
use std::sync::Arc;

use agentrunner_client::{accounts::next_grant_base, chain::Chain, ix, pda};
use agentrunner_embedded::{localnet::Localnet, rpc_server, EmbeddedChain};
use agentrunner_keepers::broker::http::{self, Ohlcv};
use agentrunner_x402::{
    client::{PayingClient, VendorBudget},
    wire,
};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    report::X402Summary,
    script::{fail, sender},
    vendors::Vendor,
};

/// Price of one market-data request: 0.001 USDC.
const DATA_PRICE: u64 = 1_000;
/// Requests the owner makes.
const DATA_REQUESTS: u64 = 3;
/// The owner's data budget, atoms of USDC.
const DATA_BUDGET: u64 = 10_000;

/// Buys [`DATA_REQUESTS`] series from `vendor` for `owner`.
pub async fn buy(
    shared: &Arc<EmbeddedChain>,
    localnet: &Localnet,
    vendor: &Vendor,
    owner: &Keypair,
) -> anyhow::Result<X402Summary> {
    let chain: &EmbeddedChain = shared;
    let usdc = localnet.deployment.token("USDC")?.mint;
    let rpc = rpc_server::serve(shared.clone(), "127.0.0.1:0".parse()?).await?;
    let vendor_usdc = pda::ata(&vendor.keypair.pubkey(), &usdc, &anchor_spl::token::ID);
    let endpoint = http::serve_data(
        &rpc.url(),
        &vendor.keypair,
        &localnet.deployment,
        DATA_PRICE,
        "127.0.0.1:0".parse()?,
        None,
    )
    .await?;
    let (paywall, addr) = (&endpoint.paywall, endpoint.addr);

    // A small data budget: a grant to the vendor and a session key for vouchers.
    let now = chain.clock().await.map_err(fail)?.unix_timestamp;
    let session = Keypair::new();
    let owner_usdc = pda::ata(&owner.pubkey(), &usdc, &anchor_spl::token::ID);
    let funding = VendorBudget {
        payer: owner.pubkey(),
        payer_token: owner_usdc,
        id: solana_sha256_hasher::hash(b"market-data").to_bytes(),
        mint: usdc,
        deposit: DATA_BUDGET,
        max_amount: DATA_BUDGET,
        vendor: vendor.keypair.pubkey(),
        vendor_token: vendor_usdc,
        not_before: now,
        expires_at: now + 86_400,
        session: Some(session.pubkey()),
        first_grant: next_grant_base(chain, &owner.pubkey()).await?,
    };
    sender(chain)
        .send("data-budget", owner, &funding.instructions(), &[], &[])
        .await
        .map_err(fail)?;
    let grant_key = funding.grant();
    let budget = funding.budget();
    let grant: escrow::state::Grant = chain.fetch(&grant_key).await?;
    let client = PayingClient::new(
        paywall.network.clone(),
        usdc,
        funding.voucher_funding(session, grant.issued_slot),
        DATA_PRICE,
        DATA_BUDGET,
    );
    let url = format!("http://{addr}/ohlcv?symbol=SOL");
    let first = client.http.get(&url).send().await?;
    let required: wire::PaymentRequired =
        wire::decode(first.headers()[wire::PAYMENT_REQUIRED].to_str()?)?;
    let mut candles = 0;
    for _ in 0..DATA_REQUESTS {
        let paid = client.get(&url).await?;
        anyhow::ensure!(
            paid.status.is_success(),
            "paid request refused: {}",
            String::from_utf8_lossy(&paid.body)
        );
        let series: Ohlcv = serde_json::from_slice(&paid.body)?;
        candles = series.candles.len();
    }
    let before = chain.token_balance(&vendor_usdc).await.map_err(fail)?;
    let settled = paywall.settle_vouchers().await?;
    let received = chain.token_balance(&vendor_usdc).await.map_err(fail)? - before;
    let unused = DATA_BUDGET - received;
    let close = [
        ix::escrow::revoke_grant(&budget.budget, &grant_key, &owner.pubkey()),
        ix::escrow::refund(&budget, &owner_usdc, &owner.pubkey(), unused),
    ];
    sender(chain)
        .send("data-refund", owner, &close, &[], &[])
        .await
        .map_err(fail)?;
    endpoint.task.abort();
    rpc.stop();
    Ok(X402Summary {
        vendor: vendor.name.into(),
        status: first.status().as_u16(),
        asked: required.accepts[0].amount.clone(),
        network: paywall.network.to_string(),
        price: DATA_PRICE,
        requests: DATA_REQUESTS,
        schemes: required.accepts.iter().map(|a| a.scheme.clone()).collect(),
        candles,
        settlements: settled.len(),
        vendor_received: received,
        refunded: unused,
    })
}
