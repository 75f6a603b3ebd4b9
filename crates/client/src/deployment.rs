//! A deployment as keepers and the CLI see it: its tokens (mint, decimals, Pyth feed, price
//! account), its sim_venue pools, its receipt shards, the fee token, the hub every pool quotes
//! against, and a lookup table of the accounts every execution names. The bootstrap writes it
//! as JSON; every keeper and command reads it.
use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};

use crate::{
    ix::sim_venue::PoolRef,
    pda,
    plan::{Token, TokenBook},
    ClientError, ClientResult,
};

/// A token of the deployment.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DeployedToken {
    pub symbol: String,
    #[serde(with = "crate::b58")]
    pub mint: Pubkey,
    pub decimals: u8,
    /// Pyth feed id, lowercase hex.
    pub pyth_feed: String,
    /// The Pyth `PriceUpdateV2` account the runner reads for it.
    #[serde(with = "crate::b58")]
    pub price_account: Pubkey,
}

/// Everything a keeper needs to know about where AgentRunner runs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    pub tokens: Vec<DeployedToken>,
    /// sim_venue pools, as pairs of symbols.
    pub pools: Vec<(String, String)>,
    /// The tree account of each receipts shard.
    #[serde(with = "crate::b58::list")]
    pub receipt_trees: Vec<Pubkey>,
    /// Depth of the receipt trees.
    pub receipt_depth: u32,
    /// Symbol vendors are paid in.
    pub fee_token: String,
    /// Symbol every pool quotes against.
    pub hub: String,
    /// Lookup table holding [`Deployment::static_accounts`].
    #[serde(with = "crate::b58")]
    pub lookup_table: Pubkey,
    /// Genesis hash (base58) of the cluster the deployment lives on; empty when unknown.
    /// Keepers and the CLI refuse to sign for another cluster ([`Deployment::require_cluster`]).
    #[serde(default)]
    pub genesis_hash: String,
}

impl Deployment {
    pub fn token(&self, symbol: &str) -> ClientResult<&DeployedToken> {
        self.tokens
            .iter()
            .find(|t| t.symbol.eq_ignore_ascii_case(symbol))
            .ok_or_else(|| ClientError::Build(format!("unknown token {symbol}")))
    }

    pub fn token_by_mint(&self, mint: &Pubkey) -> ClientResult<&DeployedToken> {
        self.tokens
            .iter()
            .find(|t| t.mint == *mint)
            .ok_or_else(|| ClientError::Build(format!("mint {mint} is not in the deployment")))
    }

    /// The planner's view of the tokens: the deployment's, then each pool's LP token
    /// ("SOL-USDC-LP", priced from its pool).
    pub fn book(&self) -> TokenBook {
        let lp_tokens = self.pools.iter().filter_map(|(a, b)| {
            let (x, y) = (self.token(a).ok()?, self.token(b).ok()?);
            let pool = PoolRef::new(&x.mint, &y.mint);
            Some(Token {
                symbol: crate::plan::lp_symbol(&x.symbol, &y.symbol),
                mint: pool.lp_mint,
                decimals: sim_venue::constants::LP_DECIMALS,
                pyth_feed: [0; 32],
                price_account: pool.pool,
                pool: Some((x.symbol.clone(), y.symbol.clone())),
            })
        });
        TokenBook {
            tokens: self
                .tokens
                .iter()
                .map(|t| Token {
                    symbol: t.symbol.clone(),
                    mint: t.mint,
                    decimals: t.decimals,
                    pyth_feed: feed_bytes(&t.pyth_feed),
                    price_account: t.price_account,
                    pool: None,
                })
                .chain(lp_tokens)
                .collect(),
        }
    }

    /// The pool trading `x` against `y`, if the deployment has one.
    pub fn pool(&self, x: &Pubkey, y: &Pubkey) -> Option<PoolRef> {
        let symbol = |m: &Pubkey| self.token_by_mint(m).ok().map(|t| t.symbol.clone());
        let (sx, sy) = (symbol(x)?, symbol(y)?);
        self.pools
            .iter()
            .any(|(a, b)| (*a == sx && *b == sy) || (*a == sy && *b == sx))
            .then(|| PoolRef::new(x, y))
    }

    /// Every pool of the deployment, with its name ("SOL-USDC").
    pub fn pool_refs(&self) -> Vec<(String, PoolRef)> {
        self.pools
            .iter()
            .filter_map(|(a, b)| {
                let (x, y) = (self.token(a).ok()?, self.token(b).ok()?);
                Some((format!("{a}-{b}"), PoolRef::new(&x.mint, &y.mint)))
            })
            .collect()
    }

    /// The pool whose LP token is `lp_mint`, with its name.
    pub fn pool_of_lp(&self, lp_mint: &Pubkey) -> Option<(String, PoolRef)> {
        self.pool_refs()
            .into_iter()
            .find(|(_, pool)| pool.lp_mint == *lp_mint)
    }

    /// The shard of a plan's receipts and that shard's first tree (generation 0); executions
    /// append to the shard's newest generation (`receipts::shards::newest`).
    pub fn shard_of(&self, plan: &Pubkey) -> (u16, Pubkey) {
        let shard = receipts::receipt::shard_for(plan, self.receipt_trees.len() as u16);
        (shard, self.receipt_trees[usize::from(shard)])
    }

    /// Accounts every guarded execution names whatever the plan: programs, configs, event
    /// authorities, receipt shards, pools (with their vaults and LP mints), mints and price
    /// accounts.
    pub fn static_accounts(&self) -> Vec<Pubkey> {
        let mut keys = vec![
            runner::ID,
            escrow::ID,
            receipts::ID,
            agent_registry::ID,
            sim_venue::ID,
            anchor_spl::token::ID,
            anchor_lang::system_program::ID,
            receipts::constants::NOOP_PROGRAM_ID,
            receipts::constants::COMPRESSION_PROGRAM_ID,
            pda::event_authority(&runner::ID).0,
            pda::event_authority(&escrow::ID).0,
            pda::event_authority(&receipts::ID).0,
            pda::event_authority(&agent_registry::ID).0,
            pda::event_authority(&sim_venue::ID).0,
            pda::runner_authority().0,
            pda::registry_config().0,
            pda::receipts_config().0,
        ];
        for (shard, tree) in self.receipt_trees.iter().enumerate() {
            keys.extend([
                pda::receipt_tree(shard as u16, 0).0,
                *tree,
                pda::tree_authority(tree).0,
                pda::shard(shard as u16).0,
            ]);
        }
        for (a, b) in &self.pools {
            if let (Ok(a), Ok(b)) = (self.token(a), self.token(b)) {
                let pool = PoolRef::new(&a.mint, &b.mint);
                keys.extend([pool.pool, pool.vault_a, pool.vault_b, pool.lp_mint]);
            }
        }
        for token in &self.tokens {
            keys.extend([token.mint, token.price_account]);
        }
        keys
    }

    /// The lookup table as a v0 message compiler needs it.
    pub fn lookup_table_account(&self) -> solana_message::AddressLookupTableAccount {
        solana_message::AddressLookupTableAccount {
            key: self.lookup_table,
            addresses: self.static_accounts(),
        }
    }

    /// The lookup tables a transaction of this deployment may use: its table, if it has one.
    pub fn tables(&self) -> Vec<solana_message::AddressLookupTableAccount> {
        if self.lookup_table == Pubkey::default() {
            Vec::new()
        } else {
            vec![self.lookup_table_account()]
        }
    }

    /// Reads a deployment file.
    /// Refuses a cluster whose genesis hash is not the deployment's (docs/SECURITY-TESTPLAN.md K-14):
    /// signing for the wrong cluster is how a devnet deployment file ends up moving mainnet
    /// funds. A deployment without a recorded genesis hash accepts any cluster.
    pub fn require_cluster(&self, genesis_hash: &solana_hash::Hash) -> ClientResult<()> {
        let found = genesis_hash.to_string();
        if self.genesis_hash.is_empty() || self.genesis_hash == found {
            return Ok(());
        }
        Err(ClientError::Build(format!(
            "wrong cluster: the deployment lives on the cluster with genesis hash {}, the URL \
             reaches {found}; refusing to sign",
            self.genesis_hash
        )))
    }

    pub fn load(path: &std::path::Path) -> ClientResult<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ClientError::Build(format!("read {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| ClientError::Build(format!("parse {}: {e}", path.display())))
    }
}

/// A 32-byte feed id from hex (all zero if malformed).
pub fn feed_bytes(hex_text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Ok(bytes) = hex::decode(hex_text) {
        if bytes.len() == 32 {
            out.copy_from_slice(&bytes);
        }
    }
    out
}
