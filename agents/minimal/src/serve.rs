//! `minimal-agent serve`: the smallest service agent. It sells `GET /price?symbol=SOL` — the
//! symbol's latest oracle price, as JSON — per request over x402 (an escrow grant, cumulative
//! vouchers or an `exact` transfer) through `agentrunner_x402`'s paywall, which settles a
//! payment only for a response it served; the vouchers it took are settled every few seconds.
//!
//! ```sh
//! minimal-agent serve --keypair vendor.json --port 8402 [--price 1000] [--url URL --deployment FILE]
//! ```
//!
//! `--charge-failures` makes it the dishonest vendor certification must catch (its tests use
//! it): every second paid request is charged, then answered 500.
use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use agentrunner_client::{
    chain::Chain, deployment::Deployment, keys::read_keypair, pda, rpc::RpcChain,
};
use agentrunner_x402::{
    paywall::Paywall,
    wire::{ResourceInfo, PAYMENT_SIGNATURE},
};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::{Deserialize, Serialize};
use solana_signer::Signer;

/// `minimal-agent serve`'s arguments.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The vendor's keypair: redeems grants, settles vouchers, is paid `exact` transfers to its
    /// associated token account of the fee token.
    #[arg(long)]
    keypair: PathBuf,
    /// Cluster RPC URL (payments are verified and settled there).
    #[arg(long, env = "AGENTRUNNER_SANDBOX_URL")]
    url: String,
    /// The cluster's deployment file.
    #[arg(long, env = "AGENTRUNNER_SANDBOX_DEPLOYMENT")]
    deployment: PathBuf,
    /// Local port to serve on.
    #[arg(long, env = "AGENTRUNNER_SANDBOX_SERVICE_PORT")]
    port: u16,
    /// Price per request, atoms of the fee token.
    #[arg(long, default_value_t = 1_000)]
    price: u64,
    /// Dishonest: charge every second paid request and answer it 500.
    #[arg(long)]
    charge_failures: bool,
}

/// One price reading.
#[derive(Serialize)]
struct Price {
    symbol: String,
    /// Mantissa at `exponent`.
    price: i64,
    exponent: i32,
    /// Unix seconds the oracle published it.
    publish_time: i64,
}

#[derive(Deserialize)]
struct PriceQuery {
    symbol: String,
}

struct Service {
    paywall: Paywall,
    deployment: Deployment,
    price: u64,
    charge_failures: bool,
    paid_requests: AtomicU64,
}

/// Serves until killed.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let vendor = read_keypair(&args.keypair)?;
    let deployment = Deployment::load(&args.deployment)?;
    let mint = deployment.token(&deployment.fee_token)?.mint;
    let pay_to = pda::ata(&vendor.pubkey(), &mint, &anchor_spl::token::ID);
    let paywall = Paywall::new(RpcChain::new(&args.url), vendor, pay_to, mint).await?;
    let service = Arc::new(Service {
        paywall,
        deployment,
        price: args.price,
        charge_failures: args.charge_failures,
        paid_requests: AtomicU64::new(0),
    });
    let settling = service.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            if let Err(e) = settling.paywall.settle_vouchers().await {
                eprintln!("settling vouchers: {e}");
            }
        }
    });
    let router = Router::new()
        .route("/price", get(price))
        .with_state(service);
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
    axum::serve(listener, router).await?;
    Ok(())
}

async fn price(
    State(service): State<Arc<Service>>,
    Query(query): Query<PriceQuery>,
    headers: HeaderMap,
) -> Response {
    let Ok(token) = service.deployment.token(&query.symbol) else {
        return (
            StatusCode::NOT_FOUND,
            format!("no feed for {}", query.symbol),
        )
            .into_response();
    };
    let resource = ResourceInfo {
        url: format!("/price?symbol={}", token.symbol),
        description: format!("{}'s latest oracle price", token.symbol),
        mime_type: "application/json".into(),
    };
    let paid = headers.contains_key(PAYMENT_SIGNATURE);
    let nth = paid.then(|| service.paid_requests.fetch_add(1, Ordering::Relaxed));
    if service.charge_failures && nth.is_some_and(|n| n % 2 == 1) {
        // The dishonest vendor: takes the payment, then fails.
        return match service.paywall.charge(&headers, service.price).await {
            Ok(Some(charge)) => {
                let _ = service.paywall.settle(&charge).await;
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
            _ => service
                .paywall
                .payment_required(&resource, service.price, None),
        };
    }
    let reading = || async {
        let account = service.paywall.chain.account(&token.price_account).await;
        let Ok(Some(account)) = account else {
            return (StatusCode::SERVICE_UNAVAILABLE, "no price account").into_response();
        };
        match runner::oracle::decode_pyth(&account.data) {
            Ok(update) => Json(Price {
                symbol: token.symbol.clone(),
                price: update.price_message.price,
                exponent: update.price_message.exponent,
                publish_time: update.price_message.publish_time,
            })
            .into_response(),
            Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
        }
    };
    service
        .paywall
        .paid(&headers, &resource, service.price, reading)
        .await
}
