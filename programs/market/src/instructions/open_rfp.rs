use agent_registry::{constants::capability, state::Stage};
use anchor_lang::prelude::*;
use onchain_common::{pda::init_pda_account, SafeMath};

use crate::{
    constants::{guard, BPS, MAX_RFP_DURATION_SECS},
    error::MarketError,
    events::RfpOpened,
    state::{GuardRequirements, Rfp, RfpStatus},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct OpenRfpArgs {
    /// The plan this RFP serves.
    pub plan: Pubkey,
    /// The plan step.
    pub step: u16,
    /// Capability bits required (non-zero, known bits only).
    pub capability: u64,
    /// Payment mint.
    pub mint: Pubkey,
    /// Highest acceptable price, atoms; > 0.
    pub max_price: u64,
    pub guards: GuardRequirements,
    pub min_stage: Stage,
    /// Unix seconds; > now.
    pub bid_deadline: i64,
    /// Unix seconds; >= bid_deadline and <= now + 30 days.
    pub execution_deadline: i64,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: OpenRfpArgs)]
pub struct OpenRfp<'info> {
    /// CHECK: the RFP PDA, created by the handler (prefund-safe).
    #[account(
        mut,
        seeds = [Rfp::SEED, requester.key().as_ref(), args.plan.as_ref(), args.step.to_le_bytes().as_ref()],
        bump
    )]
    pub rfp: UncheckedAccount<'info>,
    /// Opens the RFP and pays its rent.
    #[account(mut)]
    pub requester: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl OpenRfp<'_> {
    fn validate(&self, args: &OpenRfpArgs) -> Result<()> {
        validate_terms(args, Clock::get()?.unix_timestamp)
    }
}

/// The terms an RFP may be opened with at `now`: a positive price, known capabilities and
/// guards, caps within 100%, and deadlines in order and within [`MAX_RFP_DURATION_SECS`].
/// Planners check their RFPs with this before creating anything.
pub fn validate_terms(args: &OpenRfpArgs, now: i64) -> Result<()> {
    require!(
        args.max_price > 0
            && args.capability != 0
            && args.capability & !capability::ALL == 0
            && args.guards.required & !guard::ALL == 0
            && args.guards.max_slippage_bps <= BPS
            && args.guards.fee_cap_bps <= BPS,
        MarketError::InvalidTerms
    );
    require!(
        args.bid_deadline > now
            && args.bid_deadline <= args.execution_deadline
            && args.execution_deadline <= now.safe_add(MAX_RFP_DURATION_SECS)?,
        MarketError::InvalidDeadlines
    );
    Ok(())
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<OpenRfp>, args: OpenRfpArgs) -> Result<()> {
    let clock = Clock::get()?;
    let requester = ctx.accounts.requester.key();
    let mut rfp = Rfp {
        requester,
        plan: args.plan,
        step: args.step,
        capability: args.capability,
        mint: args.mint,
        max_price: args.max_price,
        guards: args.guards,
        min_stage: args.min_stage,
        bid_deadline: args.bid_deadline,
        execution_deadline: args.execution_deadline,
        status: RfpStatus::Open,
        offer_count: 0,
        version: 0,
        offer_versions: 0,
        created_at: clock.unix_timestamp,
        seq: 0,
        bump: ctx.bumps.rfp,
        padding: [0; 32],
    };
    let seq = rfp.next_seq()?;
    rfp.invariant()?;
    init_pda_account(
        &ctx.accounts.requester,
        &ctx.accounts.rfp,
        &ctx.accounts.system_program,
        &[
            Rfp::SEED,
            requester.as_ref(),
            args.plan.as_ref(),
            &args.step.to_le_bytes(),
            &[rfp.bump],
        ],
        &rfp,
    )?;
    emit_cpi!(RfpOpened {
        rfp: ctx.accounts.rfp.key(),
        requester,
        plan: rfp.plan,
        step: rfp.step,
        capability: rfp.capability,
        mint: rfp.mint,
        max_price: rfp.max_price,
        min_stage: rfp.min_stage,
        bid_deadline: rfp.bid_deadline,
        execution_deadline: rfp.execution_deadline,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
