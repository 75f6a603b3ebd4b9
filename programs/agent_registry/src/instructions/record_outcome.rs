use anchor_lang::prelude::*;
use onchain_common::SafeMath;

use crate::{
    error::RegistryError,
    events::OutcomeRecorded,
    state::{Agent, RegistryConfig},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct RecordOutcomeArgs {
    /// Whether the awarded step was executed and paid.
    pub success: bool,
    /// Realized slippage of a swap step in bps (0 for other steps).
    pub realized_slippage_bps: u16,
    /// The receipt leaf recorded for the step.
    pub receipt_leaf: [u8; 32],
}

/// Reputation can only come from paid, receipted work: the signer must be the configured
/// outcome recorder (the runner program's PDA, signing by CPI).
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: RecordOutcomeArgs)]
pub struct RecordOutcome<'info> {
    #[account(seeds = [RegistryConfig::SEED], bump = config.bump)]
    pub config: Account<'info, RegistryConfig>,
    #[account(
        mut,
        seeds = [Agent::SEED, agent.owner.as_ref(), agent.name_hash.as_ref()],
        bump = agent.bump
    )]
    pub agent: Account<'info, Agent>,
    /// Must equal `config.outcome_recorder`.
    pub recorder: Signer<'info>,
}

impl RecordOutcome<'_> {
    fn validate(&self, _args: &RecordOutcomeArgs) -> Result<()> {
        require_keys_neq!(
            self.config.outcome_recorder,
            Pubkey::default(),
            RegistryError::OutcomeRecorderNotSet
        );
        require_keys_eq!(
            self.recorder.key(),
            self.config.outcome_recorder,
            RegistryError::Unauthorized
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<RecordOutcome>, args: RecordOutcomeArgs) -> Result<()> {
    let clock = Clock::get()?;
    let agent = &mut ctx.accounts.agent;
    let before = agent.reputation;
    let reputation = &mut agent.reputation;
    if args.success {
        reputation.succeeded = reputation.succeeded.safe_add(1)?;
        reputation.slippage_bps_sum = reputation
            .slippage_bps_sum
            .safe_add(u64::from(args.realized_slippage_bps))?;
    } else {
        reputation.failed = reputation.failed.safe_add(1)?;
    }
    reputation.last_outcome_at = clock.unix_timestamp;
    let after = *reputation;
    let seq = agent.next_seq()?;
    agent.invariant()?;
    emit_cpi!(OutcomeRecorded {
        agent: agent.key(),
        success: args.success,
        realized_slippage_bps: args.realized_slippage_bps,
        receipt_leaf: args.receipt_leaf,
        succeeded_before: before.succeeded,
        succeeded_after: after.succeeded,
        failed_before: before.failed,
        failed_after: after.failed,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
