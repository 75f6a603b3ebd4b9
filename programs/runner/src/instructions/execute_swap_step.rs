use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::{
    constants::AUTHORITY_SEED,
    error::RunnerError,
    instructions::{
        guarded::{self, Leg},
        settlement,
    },
    oracle,
    state::Plan,
    trigger,
};
// Composite groups bring Anchor-generated companions (bumps, client modules).
use crate::instructions::accounts::*;

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct ExecuteSwapStepArgs {
    /// Index of the step in the plan.
    pub step: u8,
    /// The venue instruction's data (e.g. sim_venue `swap(amount_in, min_out)`), built by the
    /// vendor. Its effect is checked by balances, not trusted.
    pub venue_data: Vec<u8>,
    /// sha256 of the vendor's signed off-chain receipt JSON (zero if none).
    pub vendor_receipt_hash: [u8; 32],
}

/// One guarded execution of a Swap, Dca or Rebalance step, by its awarded vendor, in one
/// transaction: oracle checks on both legs (one pinned account per mint), the step's trigger
/// on those prices, min-out from the oracle cross price and the slippage cap, exactly
/// `amount_in` moved from the owner's account into the owner's staging account by the runner
/// itself, the venue CPI signed by staging only, leftovers returned, balance-delta checks on
/// the owner's accounts, notional, daily and fee caps, the vendor's fee through escrow, the
/// receipt, and the agent's reputation (`guarded`). Any failure reverts all of it. See
/// `crate::custody` for who signs what.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: ExecuteSwapStepArgs)]
pub struct ExecuteSwapStep<'info> {
    pub custody: StepCustody<'info>,
    /// CHECK: the oracle account the plan pins for the input mint; `oracle::read` checks it.
    pub price_in: UncheckedAccount<'info>,
    /// CHECK: the pinned oracle account of the output mint; checked like `price_in`.
    pub price_out: UncheckedAccount<'info>,
    /// CHECK: the pinned oracle account of the fee (budget) mint; checked like `price_in`. The
    /// same account as another leg's when the mints are the same, read once.
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

impl ExecuteSwapStep<'_> {
    /// The step is ready and swap-like, awarded to the signing vendor and paid by its grant;
    /// the owner's accounts, staging and the venue are the plan's (`StepCustody::validate`).
    fn validate(&self, args: &ExecuteSwapStepArgs) -> Result<()> {
        let Self {
            custody,
            payment,
            venue_program,
            ..
        } = self;
        let now = Clock::get()?.unix_timestamp;
        let step = custody.step.plan.require_ready(args.step, now)?;
        require!(step.kind.is_swap_like(), RunnerError::WrongStepKind);
        let award = settlement::authorize(&custody.step, args.step, &step, now)?;
        settlement::check_grant(payment, &custody.step, args.step, &award)?;
        custody.validate(&custody.step.plan, &step, venue_program)
    }
}

impl<'info> guarded::GuardedStep<'info> for ExecuteSwapStep<'info> {
    /// Reads one pinned oracle account per distinct mint (a second leg on a mint names the
    /// same account), checks the step's trigger on those readings, and quotes the step.
    fn quote(&self, plan: &mut Plan, index: u8, fee: u64, clock: &Clock) -> Result<guarded::Quote> {
        let step = plan.step(index)?;
        let guards = &step.guards;
        let (in_index, in_policy) = plan.mint_policy(&step.mint_in)?;
        let (out_index, out_policy) = plan.mint_policy(&step.mint_out)?;
        let (fee_index, fee_policy) = plan.mint_policy(&self.payment.budget.mint)?;
        let mut readings: Vec<(usize, oracle::Reading)> = Vec::with_capacity(3);
        for (index, policy, account) in [
            (in_index, in_policy, &self.price_in),
            (out_index, out_policy, &self.price_out),
            (fee_index, fee_policy, &self.price_fee),
        ] {
            if readings.iter().any(|(read, _)| *read == index) {
                require_keys_eq!(
                    account.key(),
                    policy.oracle,
                    RunnerError::OracleAccountMismatch
                );
                continue;
            }
            let reading = oracle::read(account, &policy, guards, clock)?;
            plan.observe_price(index, reading.publish_time)?;
            readings.push((index, reading));
        }
        let reading = |index: usize| {
            readings
                .iter()
                .find(|(read, _)| *read == index)
                .map(|(_, r)| *r)
                .ok_or(RunnerError::MintNotAllowed)
        };
        let (price_in, price_out) = (reading(in_index)?, reading(out_index)?);
        guards.trigger.require_holds(|leg| match leg {
            trigger::Leg::Input => Ok(price_in),
            trigger::Leg::Output => Ok(price_out),
            trigger::Leg::PoolOther => err!(RunnerError::InvalidTrigger),
        })?;
        guarded::quote(
            plan,
            &step,
            Leg {
                reading: price_in,
                decimals: in_policy.decimals,
            },
            Leg {
                reading: price_out,
                decimals: out_policy.decimals,
            },
            Leg {
                reading: reading(fee_index)?,
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
    ctx: Context<'info, ExecuteSwapStep<'info>>,
    args: ExecuteSwapStepArgs,
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
