//! Liquidity steps in a [`RunnerWorld`]: plans whose policy prices the SOL/USDC pool's LP
//! token from the pool (`OracleSource::Pool`), steps that add USDC to the pool or exit LP
//! tokens to USDC, owners holding LP tokens, and the vendor's `execute_liquidity_step`.
use agent_registry::constants::capability;
use agentrunner_client::ix::runner::{execute_liquidity_step, LiquidityLeg};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use runner::{
    instructions::{CreatePlanArgs, MintPolicyArgs, StepArgs},
    state::{OracleSource, StepKind},
};
use sim_venue::instructions::AddLiquidityArgs;
use solana_signer::Signer;

use super::{Owner, PlanSetup, RunnerWorld, GUARDS, SOL, USDC, USDC_INDEX};
use crate::context::landed;

/// Index of the SOL/USDC LP token in the policy of [`RunnerWorld::liquidity_plan_args`].
pub const LP_INDEX: u8 = 2;
/// The LP token's decimals (sim_venue's).
pub const LP_DECIMALS: u8 = sim_venue::constants::LP_DECIMALS;

impl RunnerWorld {
    /// The SOL/USDC pool's LP mint.
    pub fn lp_mint(&self) -> Pubkey {
        self.pool.lp_mint
    }

    /// A policy entry pricing the SOL/USDC LP token from its pool.
    pub fn lp_policy(&self) -> MintPolicyArgs {
        MintPolicyArgs {
            mint: self.lp_mint(),
            decimals: LP_DECIMALS,
            oracle: self.pool.pool,
            source: OracleSource::Pool,
        }
    }

    /// [`RunnerWorld::plan_args`] with the SOL/USDC LP token as the policy's third mint.
    pub fn liquidity_plan_args(&self, planner: Pubkey, steps: Vec<StepArgs>) -> CreatePlanArgs {
        let mut args = self.plan_args(planner, steps);
        args.mints.push(self.lp_policy());
        args
    }

    /// Adds `amount_in` USDC atoms to the SOL/USDC pool for LP tokens, with [`GUARDS`].
    pub fn add_liquidity_step(&self, amount_in: u64) -> StepArgs {
        StepArgs {
            kind: StepKind::AddLiquidity,
            capability: capability::LIQUIDITY,
            depends_on: 0,
            mint_in: USDC_INDEX,
            mint_out: LP_INDEX,
            amount_in,
            guards: GUARDS,
            repeat: 1,
            interval_secs: 0,
        }
    }

    /// Exits `lp` LP atoms of the SOL/USDC pool to USDC, with [`GUARDS`].
    pub fn remove_liquidity_step(&self, lp: u64) -> StepArgs {
        StepArgs {
            kind: StepKind::RemoveLiquidity,
            mint_in: LP_INDEX,
            mint_out: USDC_INDEX,
            ..self.add_liquidity_step(lp)
        }
    }

    /// A plan of liquidity `steps` for a fresh owner holding LP tokens (from a deposit of
    /// 10 SOL and 1,500 USDC), awarded and approved.
    pub async fn liquidity_plan(&self, steps: Vec<StepArgs>) -> PlanSetup {
        let owner = self.funded_owner().await;
        self.provide_liquidity(&owner, 10 * SOL, 1_500 * USDC).await;
        let args = self.liquidity_plan_args(owner.keypair.pubkey(), steps);
        self.plan_from(owner, args, self.usdc).await
    }

    /// `owner` deposits `sol` and `usdc` atoms into the SOL/USDC pool itself, receiving LP
    /// tokens in its associated LP account; returns that account.
    pub async fn provide_liquidity(&self, owner: &Owner, sol: u64, usdc: u64) -> Pubkey {
        let chain = &self.ctx.chain;
        let lp = chain
            .ata(&owner.keypair.pubkey(), &self.lp_mint())
            .await
            .expect("ata");
        let (a, b, max_a, max_b) = if self.pool.mint_a == self.sol {
            (owner.sol, owner.usdc, sol, usdc)
        } else {
            (owner.usdc, owner.sol, usdc, sol)
        };
        let ix = agentrunner_client::ix::sim_venue::add_liquidity(
            &self.pool,
            &agentrunner_client::ix::sim_venue::ProviderAccounts {
                owner: owner.keypair.pubkey(),
                a,
                b,
                lp,
            },
            AddLiquidityArgs {
                max_a,
                max_b,
                min_lp: 0,
            },
        );
        landed(self.ctx.send(&[ix], &[&owner.keypair]).await);
        lp
    }

    /// The liquidity leg of `p`'s step `step` through the SOL/USDC pool, with a sim_venue zap
    /// taking no venue-side minimum (the runner enforces its own).
    pub fn liquidity_leg(&self, p: &PlanSetup, step: u8) -> LiquidityLeg {
        let args = &p.plan_steps[usize::from(step)];
        let venue = LiquidityLeg::sim_venue_call(&p.stored, args, &self.pool, 0);
        LiquidityLeg::for_step(&p.stored, args, &self.pool, &self.usdc, venue).expect("leg")
    }

    /// `execute_liquidity_step` of `p`'s step `step` with [`Self::liquidity_leg`].
    pub fn execute_liquidity_ix(&self, p: &PlanSetup, step: u8) -> Instruction {
        execute_liquidity_step(
            &p.steps[usize::from(step)],
            &self.liquidity_leg(p, step),
            [0; 32],
        )
    }
}
