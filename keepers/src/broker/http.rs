//! A vendor's paid HTTP endpoints behind its x402 [`Paywall`]: `GET /ohlcv?symbol=SOL` (a price
//! series built from the Pyth account the vendor samples on every paid request) and the
//! facilitator routes (`/supported`, `/verify`, `/settle`).
use std::{collections::HashMap, net::SocketAddr, sync::Arc, sync::Mutex};

use agentrunner_client::{chain::Chain, deployment::Deployment};
use agentrunner_x402::{facilitator, network::PublicCluster, paywall::Paywall, wire::ResourceInfo};
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

/// One candle of a price series (prices as mantissas at `exponent`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    /// Unix seconds of the candle's first sample, floored to the minute.
    pub minute: i64,
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
    pub samples: u32,
}

/// The `/ohlcv` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ohlcv {
    pub symbol: String,
    pub exponent: i32,
    pub candles: Vec<Candle>,
}

/// The state behind the endpoints.
pub struct DataService {
    pub paywall: Arc<Paywall>,
    pub deployment: Deployment,
    /// Price per `/ohlcv` request, atoms of the paywall's mint.
    pub price: u64,
    samples: Mutex<HashMap<String, Vec<(i64, i64)>>>,
}

#[derive(Deserialize)]
struct OhlcvQuery {
    symbol: String,
}

impl DataService {
    pub fn new(paywall: Arc<Paywall>, deployment: Deployment, price: u64) -> Self {
        Self {
            paywall,
            deployment,
            price,
            samples: Mutex::new(HashMap::new()),
        }
    }

    /// Samples `symbol`'s oracle and returns its series.
    async fn ohlcv(&self, symbol: &str) -> Result<Ohlcv, (StatusCode, String)> {
        let token = self
            .deployment
            .token(symbol)
            .map_err(|e| (StatusCode::NOT_FOUND, e.to_string()))?;
        let account = self
            .paywall
            .chain
            .account(&token.price_account)
            .await
            .map_err(|e| (StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?
            .ok_or((
                StatusCode::SERVICE_UNAVAILABLE,
                "no price account".to_string(),
            ))?;
        let update = runner::oracle::decode_pyth(&account.data)
            .map_err(|e| (StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
        let message = update.price_message;
        let mut samples = self.samples.lock().expect("samples");
        let series = samples.entry(token.symbol.clone()).or_default();
        series.push((message.publish_time, message.price));
        let mut candles: Vec<Candle> = Vec::new();
        for (time, price) in series.iter() {
            let minute = time - time.rem_euclid(60);
            match candles.last_mut() {
                Some(c) if c.minute == minute => {
                    c.high = c.high.max(*price);
                    c.low = c.low.min(*price);
                    c.close = *price;
                    c.samples += 1;
                }
                _ => candles.push(Candle {
                    minute,
                    open: *price,
                    high: *price,
                    low: *price,
                    close: *price,
                    samples: 1,
                }),
            }
        }
        Ok(Ohlcv {
            symbol: token.symbol.clone(),
            exponent: message.exponent,
            candles,
        })
    }
}

async fn ohlcv(
    State(service): State<Arc<DataService>>,
    Query(query): Query<OhlcvQuery>,
    headers: HeaderMap,
) -> Response {
    // Never charge for nothing: a symbol this vendor has no feed for is refused before any
    // payment is asked.
    if let Err(e) = service.deployment.token(&query.symbol) {
        return (StatusCode::NOT_FOUND, e.to_string()).into_response();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let resource = ResourceInfo {
        url: format!("http://{host}/ohlcv?symbol={}", query.symbol),
        description: format!(
            "{} price series (OHLCV by minute) from its Pyth feed",
            query.symbol
        ),
        mime_type: "application/json".into(),
    };
    let service = service.clone();
    service
        .paywall
        .paid(&headers, &resource, service.price, || async {
            match service.ohlcv(&query.symbol).await {
                Ok(series) => Json(series).into_response(),
                Err((status, message)) => (status, message).into_response(),
            }
        })
        .await
}

/// The router: the paid data endpoint and the facilitator routes.
pub fn router(service: Arc<DataService>) -> Router {
    Router::new()
        .route("/ohlcv", get(ohlcv))
        .with_state(service.clone())
        .merge(facilitator::routes(service.paywall.clone()))
}

/// Serves `router` on `addr` (port 0: any free one); returns the bound address and the task.
pub async fn serve(
    router: Router,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((bound, task))
}

/// A vendor's paid endpoints, running: the paywall (which settles the vouchers it took), the
/// address they answer on and their task.
pub struct DataEndpoint {
    pub paywall: Arc<Paywall>,
    pub addr: SocketAddr,
    pub task: JoinHandle<()>,
}

/// Serves `vendor`'s paid `/ohlcv` (at `price` atoms per request) and the facilitator routes on
/// `addr`, paid in the deployment's fee token into the vendor's associated token account and
/// verified against the cluster at `rpc_url`; the requirements name the cluster as `label` when
/// given (a local cluster only, see `agentrunner_x402::network`).
pub async fn serve_data(
    rpc_url: &str,
    vendor: &solana_keypair::Keypair,
    deployment: &Deployment,
    price: u64,
    addr: SocketAddr,
    label: Option<PublicCluster>,
) -> anyhow::Result<DataEndpoint> {
    use solana_signer::Signer;
    let fee = deployment.token(&deployment.fee_token)?;
    let pay_to = agentrunner_client::pda::ata(&vendor.pubkey(), &fee.mint, &anchor_spl::token::ID);
    let paywall = Arc::new(
        Paywall::new(
            agentrunner_client::rpc::RpcChain::new(rpc_url),
            vendor.insecure_clone(),
            pay_to,
            fee.mint,
        )
        .await?
        .labelled(label)
        .map_err(anyhow::Error::msg)?,
    );
    let service = Arc::new(DataService::new(paywall.clone(), deployment.clone(), price));
    let (addr, task) = serve(router(service), addr).await?;
    Ok(DataEndpoint {
        paywall,
        addr,
        task,
    })
}
