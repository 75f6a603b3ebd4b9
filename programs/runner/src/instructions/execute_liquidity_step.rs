use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use sim_venue::state::Pool;

use crate::{
    constants::AUTHORITY_SEED,
    error::RunnerError,
    instructions::{
        guarded::{self, Leg},
        settlement,
    },
    oracle::{self, pool},
    state::{MintPolicy, OracleSource, Plan, StepKind},
    trigger,
};
// Composite groups bring Anchor-generated companions (bumps, client modules).
use crate::instructions::accounts::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct ExecuteLiquidityStepArgs {
    /// Index of the step in the plan.
    pub step: u8,
    /// The venue instruction's data (e.g. sim_venue `zap_in(amount, min_lp)` or
    /// `zap_out(lp, min_out)`), built by the vendor. Its effect is checked by balances.
    pub venue_data: Vec<u8>,
    /// sha256 of the vendor's signed off-chain receipt JSON (zero if none).
    pub vendor_receipt_hash: [u8; 32],
}

/// One guarded execution of an AddLiquidity or RemoveLiquidity step, by its awarded vendor,
/// in one transaction — the same custody, caps, payment and receipt as a swap (`guarded`),
/// with the step's LP leg priced fairly from its pool: both sides' reserves at their own
/// pinned, guarded oracle prices (`oracle::pool`), never the pool's spot ratio. The pool must
/// be the one the plan pins for the LP mint; the trigger may watch the pool's other token.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: ExecuteLiquidityStepArgs)]
pub struct ExecuteLiquidityStep<'info> {
    pub custody: StepCustody<'info>,
    /// The sim_venue pool of the step's LP mint: the plan's pinned price account of that mint
    /// (checked in `validate`). Its reserves and LP supply price the LP token.
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's vault of its first mint (`pool.vault_a`).
    #[account(address = pool.vault_a @ RunnerError::PoolMismatch)]
    pub vault_a: Box<Account<'info, TokenAccount>>,
    /// The pool's vault of its second mint (`pool.vault_b`).
    #[account(address = pool.vault_b @ RunnerError::PoolMismatch)]
    pub vault_b: Box<Account<'info, TokenAccount>>,
    /// The pool's LP mint (`pool.lp_mint`), whose supply the LP token's price divides by.
    #[account(address = pool.lp_mint @ RunnerError::PoolMismatch)]
    pub lp_mint: Box<Account<'info, Mint>>,
    /// CHECK: the oracle account the plan pins for `pool.mint_a`; `oracle::read` checks it.
    pub price_a: UncheckedAccount<'info>,
    /// CHECK: the pinned oracle account of `pool.mint_b`; checked like `price_a`.
    pub price_b: UncheckedAccount<'info>,
    /// CHECK: the pinned oracle account of the fee (budget) mint; the same account as a side's
    /// when the fee mint is in the pool, read once.
    pub price_fee: UncheckedAccount<'info>,
    /// CHECK: executable and in the plan's venue allowlist (checked in `validate`).
    pub venue_program: UncheckedAccount<'info>,
    pub payment: StepPayment<'info>,
    pub receipts: ReceiptAccounts<'info>,
    pub reputation: ReputationAccounts<'info>,
    /// CHECK: the runner authority PDA (seeds checked); signs receipts and reputation.
    #[account(seeds = [AUTHORITY_SEED], bump)]
    pub authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    // remaining_accounts: the venue instruction's accounts, in order.
}

/// The LP mint and the pool token of a liquidity step: (lp, token).
fn legs(kind: StepKind, mint_in: Pubkey, mint_out: Pubkey) -> (Pubkey, Pubkey) {
    match kind {
        StepKind::AddLiquidity => (mint_out, mint_in),
        _ => (mint_in, mint_out),
    }
}

impl ExecuteLiquidityStep<'_> {
    /// The step is a ready liquidity step, awarded to the signing vendor and paid by its
    /// grant; the pool is the one the plan pins for its LP mint and trades its other mint;
    /// the owner's accounts, staging and the venue are the plan's.
    fn validate(&self, args: &ExecuteLiquidityStepArgs) -> Result<()> {
        let Self {
            custody,
            pool,
            payment,
            venue_program,
            ..
        } = self;
        let now = Clock::get()?.unix_timestamp;
        let plan = &custody.step.plan;
        let step = plan.require_ready(args.step, now)?;
        require!(step.kind.is_liquidity(), RunnerError::WrongStepKind);
        let award = settlement::authorize(&custody.step, args.step, &step, now)?;
        settlement::check_grant(payment, &custody.step, args.step, &award)?;
        let (lp, token) = legs(step.kind, step.mint_in, step.mint_out);
        let (_, lp_policy) = plan.mint_policy(&lp)?;
        require!(
            lp_policy.source == OracleSource::Pool
                && lp_policy.oracle == pool.key()
                && pool.lp_mint == lp
                && (pool.mint_a == token || pool.mint_b == token),
            RunnerError::PoolMismatch
        );
        custody.validate(plan, &step, venue_program)
    }
}

impl<'info> guarded::GuardedStep<'info> for ExecuteLiquidityStep<'info> {
    /// Reads both pool sides' pinned oracles and the fee mint's (one reading per mint), prices
    /// the LP token from the pool, checks the trigger, and quotes the step.
    fn quote(&self, plan: &mut Plan, index: u8, fee: u64, clock: &Clock) -> Result<guarded::Quote> {
        let step = plan.step(index)?;
        let guards = &step.guards;
        let fee_mint = self.payment.budget.mint;
        let mut readings: Vec<(Pubkey, MintPolicy, oracle::Reading)> = Vec::with_capacity(3);
        for (mint, account) in [
            (self.pool.mint_a, &self.price_a),
            (self.pool.mint_b, &self.price_b),
            (fee_mint, &self.price_fee),
        ] {
            let (policy_index, policy) = plan.mint_policy(&mint)?;
            if readings.iter().any(|(read, _, _)| *read == mint) {
                require_keys_eq!(
                    account.key(),
                    policy.oracle,
                    RunnerError::OracleAccountMismatch
                );
                continue;
            }
            let reading = oracle::read(account, &policy, guards, clock)?;
            plan.observe_price(policy_index, reading.publish_time)?;
            readings.push((mint, policy, reading));
        }
        let leg_of = |mint: Pubkey| {
            readings
                .iter()
                .find(|(read, _, _)| *read == mint)
                .map(|(_, policy, reading)| (*policy, *reading))
                .ok_or(RunnerError::MintNotAllowed)
        };
        let ((policy_a, a), (policy_b, b)) = (leg_of(self.pool.mint_a)?, leg_of(self.pool.mint_b)?);
        let (lp_mint, token) = legs(step.kind, step.mint_in, step.mint_out);
        let lp_decimals = plan.mint_policy(&lp_mint)?.1.decimals;
        let lp = Leg {
            reading: pool::lp_reading(
                &self.pool.key(),
                pool::Side {
                    reserve: self.vault_a.amount,
                    decimals: policy_a.decimals,
                    reading: &a,
                },
                pool::Side {
                    reserve: self.vault_b.amount,
                    decimals: policy_b.decimals,
                    reading: &b,
                },
                self.lp_mint.supply,
                lp_decimals,
            )?,
            decimals: lp_decimals,
        };
        let (token_policy, token_reading) = leg_of(token)?;
        let token_leg = Leg {
            reading: token_reading,
            decimals: token_policy.decimals,
        };
        let other = if token == self.pool.mint_a {
            (policy_b, b)
        } else {
            (policy_a, a)
        };
        let (input, output) = match step.kind {
            StepKind::AddLiquidity => (token_leg, lp),
            _ => (lp, token_leg),
        };
        let trigger = guards.trigger;
        trigger.require_holds(|leg| match leg {
            trigger::Leg::Input => Ok(input.reading),
            trigger::Leg::Output => Ok(output.reading),
            trigger::Leg::PoolOther => {
                require!(
                    trigger.is_valid(Some(other.0.source)),
                    RunnerError::InvalidTrigger
                );
                Ok(other.1)
            }
        })?;
        let (fee_policy, fee_reading) = leg_of(fee_mint)?;
        guarded::quote(
            plan,
            &step,
            input,
            output,
            Leg {
                reading: fee_reading,
                decimals: fee_policy.decimals,
            },
            fee,
            clock.unix_timestamp,
        )
    }

    fn parts(&mut self) -> guarded::Parts<'_, 'info> {
        guarded::Parts {
            custody: &mut self.custody,
            payment: &self.payment,
            receipts: &self.receipts,
            reputation: &self.reputation,
            venue: self.venue_program.to_account_info(),
            authority: self.authority.to_account_info(),
            token_program: self.token_program.to_account_info(),
        }
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler<'info>(
    ctx: Context<'info, ExecuteLiquidityStep<'info>>,
    args: ExecuteLiquidityStepArgs,
) -> Result<()> {
    let event = guarded::execute(
        ctx.accounts,
        ctx.remaining_accounts,
        ctx.bumps.authority,
        guarded::Request {
            step: args.step,
            venue_data: args.venue_data,
            vendor_receipt_hash: args.vendor_receipt_hash,
        },
    )?;
    emit_cpi!(event);
    Ok(())
}
