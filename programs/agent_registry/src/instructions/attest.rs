use anchor_lang::prelude::*;
use onchain_common::{pda::init_pda_account, SafeMath};

use crate::{
    constants::{guard, MAX_ATTESTATION_VALIDITY_SECS},
    error::RegistryError,
    events::AttestationIssued,
    state::{Agent, AgentVersion, Attestation, RegistryConfig, SloFigures, Stage},
};

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct AttestArgs {
    /// The stage attested; its predecessor must hold a valid pass on this version.
    pub stage: Stage,
    /// The verdict.
    pub passed: bool,
    /// Measured figures.
    pub slo: SloFigures,
    /// sha256 of the report (which states the reason of a failure).
    pub report_hash: [u8; 32],
    /// Where the report lives, at most 200 bytes.
    pub report_uri: String,
    /// Unix seconds after which a pass stops counting; in (now, now + 400 days].
    pub expires_at: i64,
    /// Guard families the certifier verified the agent honours (`constants::guard`); a pass
    /// certifies those every approving certifier verified (later stages narrow, never widen).
    pub guards: u8,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: AttestArgs)]
pub struct Attest<'info> {
    #[account(seeds = [RegistryConfig::SEED], bump = config.bump)]
    pub config: Account<'info, RegistryConfig>,
    #[account(
        mut,
        seeds = [Agent::SEED, agent.owner.as_ref(), agent.name_hash.as_ref()],
        bump = agent.bump
    )]
    pub agent: Account<'info, Agent>,
    #[account(
        mut,
        seeds = [AgentVersion::SEED, agent.key().as_ref(), version.index.to_le_bytes().as_ref()],
        bump = version.bump,
        has_one = agent @ RegistryError::VersionMismatch
    )]
    pub version: Account<'info, AgentVersion>,
    /// CHECK: the new attestation PDA for (version, stage, next attempt), created by the handler
    /// (prefund-safe); never overwritten.
    #[account(
        mut,
        seeds = [
            Attestation::SEED,
            version.key().as_ref(),
            onchain_common::unresolved_seed!([args.stage as u8].as_ref()),
            onchain_common::unresolved_seed!([version.stages[args.stage.index()].attempts].as_ref())
        ],
        bump
    )]
    pub attestation: UncheckedAccount<'info>,
    /// A member of the certifier set that does not own the agent; pays rent.
    #[account(mut)]
    pub certifier: Signer<'info>,
    pub system_program: Program<'info, System>,
}

impl Attest<'_> {
    fn validate(&self, args: &AttestArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let certifier = self.certifier.key();
        require!(
            self.config.is_certifier(&certifier),
            RegistryError::NotCertifier
        );
        require_keys_neq!(
            certifier,
            self.agent.owner,
            RegistryError::SelfCertification
        );
        self.agent.require_not_retired()?;
        self.version.require_attestable(args.stage, now)?;
        require!(
            args.expires_at > now
                && args.expires_at.safe_sub(now)? <= MAX_ATTESTATION_VALIDITY_SECS,
            RegistryError::InvalidExpiry
        );
        args.slo.validate()?;
        require!(args.guards & !guard::ALL == 0, RegistryError::InvalidGuards);

        Agent::validate_uri(&args.report_uri)?;
        require!(
            self.version.stages[args.stage.index()].attempts < u8::MAX,
            RegistryError::TooManyAttempts
        );
        Ok(())
    }
}

#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<Attest>, args: AttestArgs) -> Result<()> {
    let clock = Clock::get()?;
    let quorum = ctx.accounts.config.quorum_of(args.stage);
    let certifier = ctx.accounts.certifier.key();
    let version = &mut ctx.accounts.version;
    let record = &mut version.stages[args.stage.index()];
    let attempt = record.attempts;
    record.attempts = attempt.safe_add(1)?;
    let stage_passed = if args.passed {
        version.approve(
            args.stage,
            certifier,
            attempt,
            args.expires_at,
            args.guards,
            quorum,
            clock.unix_timestamp,
        )?
    } else {
        version.fail(args.stage, attempt);
        false
    };

    let version_approvals = version.stages[args.stage.index()].approvals;
    let version_key = version.key();
    let attestation = Attestation {
        agent: ctx.accounts.agent.key(),
        version: version_key,
        stage: args.stage,
        attempt,
        certifier: ctx.accounts.certifier.key(),
        passed: args.passed,
        slo: args.slo,
        report_hash: args.report_hash,
        report_uri: args.report_uri,
        issued_at: clock.unix_timestamp,
        expires_at: args.expires_at,
        revoked: None,
        bump: ctx.bumps.attestation,
    };
    init_pda_account(
        &ctx.accounts.certifier,
        &ctx.accounts.attestation,
        &ctx.accounts.system_program,
        &[
            Attestation::SEED,
            version_key.as_ref(),
            &[args.stage as u8],
            &[attempt],
            &[attestation.bump],
        ],
        &attestation,
    )?;

    let agent = &mut ctx.accounts.agent;
    let seq = agent.next_seq()?;
    agent.invariant()?;
    emit_cpi!(AttestationIssued {
        agent: agent.key(),
        version: version_key,
        attestation: ctx.accounts.attestation.key(),
        stage: args.stage,
        attempt,
        certifier: attestation.certifier,
        passed: args.passed,
        stage_passed,
        approvals: version_approvals,
        quorum,
        slo: args.slo,
        report_hash: args.report_hash,
        expires_at: args.expires_at,
        seq,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
