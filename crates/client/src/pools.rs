//! A pool's depth and its LP token's fair price off-chain, by the runner's own formula
//! (`runner::oracle::pool::lp_reading`): the broker's quotes, the planner's sizing and Fund
//! Admin's NAV price LP tokens exactly as the chain will.
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use runner::oracle::{pool, Reading};
use solana_account::Account;

use crate::{accounts::token_amount, chain::Chain, ix::sim_venue::PoolRef, ClientResult};

/// What prices a pool's LP token: both reserves and the LP supply, in atoms (zero where an
/// account is missing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolDepth {
    pub reserve_a: u64,
    pub reserve_b: u64,
    pub lp_supply: u64,
}

impl PoolDepth {
    /// The accounts a pool's depth is read from, in [`PoolDepth::decode`] order.
    pub fn accounts(pool: &PoolRef) -> [Pubkey; 3] {
        [pool.vault_a, pool.vault_b, pool.lp_mint]
    }

    /// The depth from its [`PoolDepth::accounts`] as read.
    pub fn decode(read: &[Option<Account>]) -> Self {
        let amount = |i: usize| {
            read.get(i)
                .and_then(Option::as_ref)
                .and_then(|a| token_amount(&a.data))
                .unwrap_or(0)
        };
        let lp_supply = read
            .get(2)
            .and_then(Option::as_ref)
            .and_then(|a| anchor_spl::token::Mint::try_deserialize_unchecked(&mut &a.data[..]).ok())
            .map_or(0, |m| m.supply);
        Self {
            reserve_a: amount(0),
            reserve_b: amount(1),
            lp_supply,
        }
    }

    /// The depth of each of `pools`, one batched read.
    pub async fn read<C: Chain>(chain: &C, pools: &[PoolRef]) -> ClientResult<Vec<Self>> {
        let keys: Vec<Pubkey> = pools.iter().flat_map(Self::accounts).collect();
        let read = chain.accounts(&keys).await?;
        Ok(read.chunks(3).map(Self::decode).collect())
    }

    /// The fair reading of `pool`'s LP token (of `lp_decimals`), each side given as its
    /// (decimals, reading).
    pub fn lp_reading(
        &self,
        pool: &PoolRef,
        a: (u8, &Reading),
        b: (u8, &Reading),
        lp_decimals: u8,
    ) -> anchor_lang::Result<Reading> {
        pool::lp_reading(
            &pool.pool,
            pool::Side {
                reserve: self.reserve_a,
                decimals: a.0,
                reading: a.1,
            },
            pool::Side {
                reserve: self.reserve_b,
                decimals: b.0,
                reading: b.1,
            },
            self.lp_supply,
            lp_decimals,
        )
    }
}
