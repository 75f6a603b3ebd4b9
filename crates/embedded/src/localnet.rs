//! [`Localnet`]: a complete AgentRunner deployment on the embedded chain — registry and
//! receipts configured with the runner's authority, tokens, funded sim_venue pools, Pyth price
//! accounts kept fresh by a price feeder, and a lookup table of the static accounts. Every
//! world starts from it: the demo, `serve`, the certifier's sandbox, the bench and the tests
//! (`scenario` adds certified vendors and funded wallets).
use std::sync::Mutex;

use agentrunner_client::{
    deployment::{DeployedToken, Deployment},
    ix::{
        self,
        sim_venue::{PoolRef, ProviderAccounts},
    },
    pda,
};
use anchor_lang::prelude::Pubkey;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use receipts::instructions::{CreateTreeArgs, InitConfigArgs};
use sim_venue::instructions::AddLiquidityArgs;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;

use crate::{
    oracle::{pyth_feed, Ema},
    ChainError, EmbeddedChain, PythPrice,
};

/// Exponent of every price the feeder publishes (Pyth's usual 10^-8).
pub const PRICE_EXPONENT: i32 = -8;

/// A token to create, with its feed and starting price (mantissa at 10^-8 USD).
#[derive(Clone, Debug)]
pub struct TokenSpec {
    pub symbol: &'static str,
    pub decimals: u8,
    pub pyth_feed: [u8; 32],
    pub price: i64,
}

/// A pool to create and fund: whole tokens of each side, fee in bps.
#[derive(Clone, Debug)]
pub struct PoolSpec {
    pub a: &'static str,
    pub b: &'static str,
    pub whole_a: u64,
    pub whole_b: u64,
    pub fee_bps: u16,
}

/// What to deploy.
#[derive(Clone, Debug)]
pub struct LocalnetSpec {
    pub tokens: Vec<TokenSpec>,
    pub pools: Vec<PoolSpec>,
    pub fee_token: &'static str,
    pub hub: &'static str,
    pub shards: u16,
    pub tree_depth: u32,
    pub tree_buffer: u32,
    /// Seconds per receipts period.
    pub period_secs: i64,
    /// Accounts beyond [`Deployment::static_accounts`] for the deployment's lookup table (a
    /// test world's extra programs and feeds).
    pub lookup_extra: Vec<Pubkey>,
}

impl Default for LocalnetSpec {
    /// SOL ($150), USDC ($1), JUP ($0.80) and WIF ($2); deep SOL/USDC (5 bps), JUP/USDC and
    /// WIF/USDC (10 bps) pools at those prices; two receipt shards of depth 14; one-hour
    /// periods.
    fn default() -> Self {
        Self {
            tokens: vec![
                TokenSpec {
                    symbol: "SOL",
                    decimals: 9,
                    pyth_feed: pyth_feed::SOL_USD,
                    price: 150_00000000,
                },
                TokenSpec {
                    symbol: "USDC",
                    decimals: 6,
                    pyth_feed: pyth_feed::USDC_USD,
                    price: 1_00000000,
                },
                TokenSpec {
                    symbol: "JUP",
                    decimals: 6,
                    pyth_feed: pyth_feed::JUP_USD,
                    price: 80000000,
                },
                TokenSpec {
                    symbol: "WIF",
                    decimals: 6,
                    pyth_feed: pyth_feed::WIF_USD,
                    price: 2_00000000,
                },
            ],
            pools: vec![
                PoolSpec {
                    a: "SOL",
                    b: "USDC",
                    whole_a: 10_000,
                    whole_b: 1_500_000,
                    fee_bps: 5,
                },
                PoolSpec {
                    a: "JUP",
                    b: "USDC",
                    whole_a: 1_000_000,
                    whole_b: 800_000,
                    fee_bps: 10,
                },
                PoolSpec {
                    a: "WIF",
                    b: "USDC",
                    whole_a: 500_000,
                    whole_b: 1_000_000,
                    fee_bps: 10,
                },
            ],
            fee_token: "USDC",
            hub: "USDC",
            shards: 2,
            tree_depth: 14,
            tree_buffer: 64,
            period_secs: 3_600,
            lookup_extra: Vec::new(),
        }
    }
}

/// A deployed localnet and its price feeder.
pub struct Localnet {
    pub deployment: Deployment,
    /// The lookup table of [`Deployment::static_accounts`].
    pub table: AddressLookupTableAccount,
    /// Current price of each symbol (mantissa at 10^-8 USD) and its EMA.
    prices: Mutex<Vec<(String, i64, Option<Ema>)>>,
    /// When false the feeder stops publishing (prices go stale).
    feeding: Mutex<bool>,
}

fn chain_error(e: impl std::fmt::Display) -> ChainError {
    ChainError::Signing(e.to_string())
}

impl Localnet {
    /// Deploys `spec` on `chain`: the deployer configures the registry (certifiers
    /// `certifiers`, outcome recorder = the runner authority) and receipts (writer = the
    /// runner authority), then tokens, pools, prices and the lookup table.
    pub async fn bootstrap(
        chain: &EmbeddedChain,
        spec: &LocalnetSpec,
        certifiers: &[Pubkey],
    ) -> Result<Self, ChainError> {
        let admin = chain.deployer().insecure_clone();
        let authority = pda::runner_authority().0;
        chain
            .send(
                &[
                    ix::registry::init_config(&admin.pubkey(), authority),
                    ix::registry::set_certifiers(&admin.pubkey(), certifiers.to_vec()),
                    ix::receipts::init_config(
                        &admin.pubkey(),
                        InitConfigArgs {
                            writers: vec![authority],
                            shard_count: spec.shards,
                            period_secs: spec.period_secs,
                        },
                    ),
                ],
                &[&admin],
            )
            .await?;
        let mut trees = Vec::new();
        for shard in 0..spec.shards {
            let tree = Keypair::new();
            let args = CreateTreeArgs {
                shard,
                max_depth: spec.tree_depth,
                max_buffer_size: spec.tree_buffer,
                canopy_depth: 0,
            };
            let rent = chain.rent().minimum_balance(ix::receipts::tree_size(&args));
            let ixs = ix::receipts::create_tree(&admin.pubkey(), &tree.pubkey(), rent, args);
            chain.send(&ixs, &[&admin, &tree]).await?;
            trees.push(tree.pubkey());
        }
        let mut tokens = Vec::new();
        for token in &spec.tokens {
            tokens.push(DeployedToken {
                symbol: token.symbol.to_string(),
                mint: chain.create_mint(token.decimals).await?,
                decimals: token.decimals,
                pyth_feed: hex::encode(token.pyth_feed),
                price_account: Keypair::new().pubkey(),
            });
        }
        let mut deployment = Deployment {
            tokens,
            pools: spec
                .pools
                .iter()
                .map(|p| (p.a.to_string(), p.b.to_string()))
                .collect(),
            receipt_trees: trees,
            receipt_depth: spec.tree_depth,
            fee_token: spec.fee_token.to_string(),
            hub: spec.hub.to_string(),
            lookup_table: Pubkey::default(),
            genesis_hash: chain.genesis_hash().to_string(),
        };
        for pool in &spec.pools {
            seed_pool(chain, &deployment, pool).await?;
        }
        let mut table_keys = deployment.static_accounts();
        table_keys.extend(&spec.lookup_extra);
        let table = chain.create_lookup_table(&table_keys).await?;
        deployment.lookup_table = table.key;
        let localnet = Self {
            deployment,
            table,
            prices: Mutex::new(
                spec.tokens
                    .iter()
                    .map(|t| (t.symbol.to_string(), t.price, None))
                    .collect(),
            ),
            feeding: Mutex::new(true),
        };
        localnet.publish_prices(chain).await?;
        Ok(localnet)
    }

    /// Sets the feeder's price of `symbol` (mantissa at 10^-8 USD).
    pub fn set_price(&self, symbol: &str, price: i64) {
        let mut prices = self.prices.lock().expect("prices poisoned");
        if let Some(entry) = prices.iter_mut().find(|(s, ..)| s == symbol) {
            entry.1 = price;
        }
    }

    /// The feeder's price of `symbol` (mantissa at 10^-8 USD).
    pub fn price(&self, symbol: &str) -> Option<i64> {
        let prices = self.prices.lock().expect("prices poisoned");
        prices
            .iter()
            .find(|(s, ..)| s == symbol)
            .map(|(_, p, _)| *p)
    }

    /// Stops (false) or resumes (true) publishing: without it prices go stale.
    pub fn set_feeding(&self, on: bool) {
        *self.feeding.lock().expect("feeding poisoned") = on;
    }

    /// The feeder's EMA of `symbol`'s price as last published (see [`Ema`]).
    pub fn ema_price(&self, symbol: &str) -> Option<i64> {
        let prices = self.prices.lock().expect("prices poisoned");
        prices
            .iter()
            .find(|(s, ..)| s == symbol)
            .and_then(|(.., ema)| ema.map(|e| e.value))
    }

    /// Publishes every price, fully verified, with its EMA moved on to the current time
    /// (unless feeding stopped).
    pub async fn publish_prices(&self, chain: &EmbeddedChain) -> Result<(), ChainError> {
        if !*self.feeding.lock().expect("feeding poisoned") {
            return Ok(());
        }
        let now = chain.clock().await?.unix_timestamp;
        let prices: Vec<(String, i64, i64)> = self
            .prices
            .lock()
            .expect("prices poisoned")
            .iter_mut()
            .map(|(symbol, price, ema)| {
                let ema = match ema {
                    Some(ema) => ema.update(*price, now),
                    None => ema.insert(Ema::start(*price, now)).value,
                };
                (symbol.clone(), *price, ema)
            })
            .collect();
        for (symbol, price, ema_price) in prices {
            let token = self.deployment.token(&symbol).map_err(chain_error)?;
            chain
                .write_pyth_price(
                    &token.price_account,
                    &PythPrice {
                        feed_id: agentrunner_client::deployment::feed_bytes(&token.pyth_feed),
                        price,
                        conf: price.unsigned_abs() / 10_000,
                        exponent: PRICE_EXPONENT,
                        ema_price,
                        publish_time: now,
                        verification: VerificationLevel::Full,
                    },
                )
                .await?;
        }
        Ok(())
    }

    /// Moves the clock forward and publishes fresh prices, as time passing on a cluster would.
    pub async fn advance(&self, chain: &EmbeddedChain, seconds: i64) -> Result<(), ChainError> {
        chain.warp_seconds(seconds).await?;
        self.publish_prices(chain).await
    }

    /// Gives `owner` `atoms` of `symbol` in its associated account (created if missing).
    pub async fn fund_tokens(
        &self,
        chain: &EmbeddedChain,
        owner: &Pubkey,
        symbol: &str,
        atoms: u64,
    ) -> Result<Pubkey, ChainError> {
        let mint = self.deployment.token(symbol).map_err(chain_error)?.mint;
        let account = chain.ata(owner, &mint).await?;
        if atoms > 0 {
            chain.mint_to(&mint, &account, atoms).await?;
        }
        Ok(account)
    }
}

/// Creates a deployment's pool at its spec's depth.
async fn seed_pool(
    chain: &EmbeddedChain,
    deployment: &Deployment,
    spec: &PoolSpec,
) -> Result<(), ChainError> {
    let (a, b) = (
        deployment.token(spec.a).map_err(chain_error)?,
        deployment.token(spec.b).map_err(chain_error)?,
    );
    let pool = PoolRef::new(&a.mint, &b.mint);
    let atoms = |token: &DeployedToken, whole: u64| whole * 10u64.pow(u32::from(token.decimals));
    let (max_a, max_b) = if pool.mint_a == a.mint {
        (atoms(a, spec.whole_a), atoms(b, spec.whole_b))
    } else {
        (atoms(b, spec.whole_b), atoms(a, spec.whole_a))
    };
    create_funded_pool(chain, &pool, spec.fee_bps, max_a, max_b).await
}

/// Creates `pool` (fee `fee_bps`) and deposits `max_a` / `max_b` atoms of its mints from a fresh
/// provider (the chain payer is every mint's authority).
pub async fn create_funded_pool(
    chain: &EmbeddedChain,
    pool: &PoolRef,
    fee_bps: u16,
    max_a: u64,
    max_b: u64,
) -> Result<(), ChainError> {
    chain
        .send(
            &[ix::sim_venue::create_pool(
                pool,
                &chain.payer().pubkey(),
                fee_bps,
            )],
            &[],
        )
        .await?;
    let provider = chain.funded_keypair(1_000_000_000).await?;
    let accounts = ProviderAccounts {
        owner: provider.pubkey(),
        a: chain.ata(&provider.pubkey(), &pool.mint_a).await?,
        b: chain.ata(&provider.pubkey(), &pool.mint_b).await?,
        lp: chain.ata(&provider.pubkey(), &pool.lp_mint).await?,
    };
    chain.mint_to(&pool.mint_a, &accounts.a, max_a).await?;
    chain.mint_to(&pool.mint_b, &accounts.b, max_b).await?;
    let add = ix::sim_venue::add_liquidity(
        pool,
        &accounts,
        AddLiquidityArgs {
            max_a,
            max_b,
            min_lp: 1,
        },
    );
    chain.send(&[add], &[&provider]).await?;
    Ok(())
}
