use anchor_lang::prelude::*;
use anchor_lang::Discriminator;
use onchain_common::pda::create_pda_account;

use crate::{
    constants::capability,
    error::RegistryError,
    events::OutcomeRecorded,
    state::{Agent, PayerRecord, RegistryConfig},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct RecordOutcomeArgs {
    /// Whether the awarded step was executed and paid.
    pub success: bool,
    /// Realized slippage of a swap step in bps (0 for other steps).
    pub realized_slippage_bps: u16,
    /// The receipt leaf recorded for the step.
    pub receipt_leaf: [u8; 32],
    /// The single capability bit the step exercised.
    pub capability: u64,
    /// The plan owner who paid for the step.
    pub payer: Pubkey,
    /// Value the execution carried, micro-USD (a swap's notional; a service step's fee).
    pub value_micro_usd: u64,
}

/// Reputation can only come from paid, receipted work: the signer must be the configured
/// outcome recorder (the runner program's PDA, signing by CPI). A success is credited by the
/// rule of `state::reputation`; the payer's record is created on its first credited execution,
/// rent from `rent_payer` (the executing vendor).
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
    /// CHECK: the payer's record `["payer", agent, args.payer]` (seeds checked), created here on
    /// the first credited execution and deserialized by the handler otherwise.
    #[account(
        mut,
        seeds = [PayerRecord::SEED, agent.key().as_ref(), args.payer.as_ref()],
        bump
    )]
    pub payer_record: UncheckedAccount<'info>,
    /// Must equal `config.outcome_recorder`.
    pub recorder: Signer<'info>,
    /// Pays the payer record's rent when it is created (the executing vendor).
    #[account(mut)]
    pub rent_payer: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl RecordOutcome<'_> {
    fn validate(&self, args: &RecordOutcomeArgs) -> Result<()> {
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
        require!(
            capability::index(args.capability).is_some(),
            RegistryError::InvalidCapabilities
        );
        Ok(())
    }

    /// Credited executions of `index` the payer had before this one, incrementing the count
    /// (the record is created on first use).
    fn bump_payer_count(&self, index: usize, bump: u8, payer: Pubkey) -> Result<u16> {
        let info = self.payer_record.to_account_info();
        let mut record = if info.data_is_empty() {
            create_pda_account(
                &self.rent_payer.to_account_info(),
                &info,
                &self.system_program.to_account_info(),
                PayerRecord::DISCRIMINATOR.len() + PayerRecord::INIT_SPACE,
                &crate::ID,
                &[
                    PayerRecord::SEED,
                    self.agent.key().as_ref(),
                    payer.as_ref(),
                    &[bump],
                ],
            )?;
            PayerRecord {
                agent: self.agent.key(),
                payer,
                credited: [0; capability::COUNT],
                bump,
            }
        } else {
            let data = info.try_borrow_data()?;
            PayerRecord::try_deserialize(&mut &data[..])?
        };
        let earlier = record.credited[index];
        record.credited[index] = earlier.saturating_add(1);
        let mut data = info.try_borrow_mut_data()?;
        record.try_serialize(&mut &mut data[..])?;
        Ok(earlier)
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<RecordOutcome>, args: RecordOutcomeArgs) -> Result<()> {
    let clock = Clock::get()?;
    let index = capability::index(args.capability).ok_or(RegistryError::InvalidCapabilities)?;
    let earlier = if !args.success || ctx.accounts.agent.is_self(&args.payer) {
        None
    } else {
        Some(
            ctx.accounts
                .bump_payer_count(index, ctx.bumps.payer_record, args.payer)?,
        )
    };
    let agent = &mut ctx.accounts.agent;
    let before = agent.reputation[index];
    let reputation = &mut agent.reputation[index];
    let credit = if args.success {
        reputation.record_success(
            args.value_micro_usd,
            earlier,
            args.realized_slippage_bps,
            clock.unix_timestamp,
        )?
    } else {
        reputation.record_failure(clock.unix_timestamp)?;
        0
    };
    let after = *reputation;
    let seq = agent.next_seq()?;
    agent.invariant()?;
    emit_cpi!(OutcomeRecorded {
        agent: agent.key(),
        success: args.success,
        capability: args.capability,
        payer: args.payer,
        value_micro_usd: args.value_micro_usd,
        realized_slippage_bps: args.realized_slippage_bps,
        receipt_leaf: args.receipt_leaf,
        credit,
        credit_before: before.credit,
        credit_after: after.credit,
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
