//! The certifier's sandbox: a fresh embedded chain with a full deployment, where the vendor's
//! broker (its declared strategy, run unmodified) bids on and executes a DCA plan while the
//! sandbox moves prices: divergence episodes (the oracle moves, the pool does not), stale
//! feeds, tight caps, an RFP above the vendor's limits. Everything is measured, nothing judged
//! here; [`super`] turns reports into verdicts.
use std::time::Instant;

use agent_registry::{
    constants::capability,
    instructions::{AttestArgs, PublishVersionArgs, RegisterAgentArgs},
    state::{SemVer, SloFigures, Stage},
};
use agentrunner_client::{
    chain::Chain,
    flows::{self, OwnerWallet, RfpPolicy},
    ix, pda,
    receipts::index::mirror_of,
    send::{SendPolicy, Sender},
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    EmbeddedChain,
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use solana_signer::Signer;

use crate::{
    broker::{Broker, Strategy},
    planner::Planner,
    Outcome,
};

/// One sandbox scenario.
#[derive(Clone, Debug)]
pub struct SandboxSpec {
    /// Seeds the price path; the same seed replays the same run.
    pub seed: u64,
    pub executions: u16,
    pub interval_secs: u32,
    /// Percent of ticks in a divergence episode.
    pub divergence_pct: u8,
    /// How far the oracle moves above the pool during an episode, bps.
    pub divergence_bps: i64,
    /// Ticks during which the price feeder is down.
    pub stale_ticks: Vec<u16>,
    /// The plan's daily cap, in executions (None: the planner's default).
    pub daily_cap_executions: Option<u16>,
    /// Also put out an RFP whose notional is above the vendor's limit.
    pub oversize_rfp: bool,
}

/// What happened in one run.
#[derive(Clone, Debug, Default)]
pub struct SandboxReport {
    pub planned: u16,
    pub landed: u16,
    /// Attempts the runner refused (in simulation or on-chain), with its reason.
    pub refused: Vec<String>,
    /// Ticks the broker chose not to act (guards would refuse, caps, not ready).
    pub abstained: u32,
    /// Wall-clock milliseconds from the broker's decision to the landed execution.
    pub latencies_ms: Vec<u32>,
    /// Every landed execution's receipt is in its tree at the index the event gave.
    pub receipts_complete: bool,
    /// (amount in, amount out, slippage bps, fee, oracle price) of each receipt, in order.
    pub fingerprint: Vec<(u64, u64, u16, u64, i64)>,
    /// The broker bid on the RFP above its limits.
    pub bid_on_oversize: bool,
}

/// Ticks per planned execution before the run gives up.
const TICKS_PER_EXECUTION: u16 = 4;

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("sandbox: {e}")
}

/// Runs `strategy` (an agent with `capabilities`) through `spec`.
pub async fn run(
    strategy: &Strategy,
    capabilities: u64,
    spec: &SandboxSpec,
) -> anyhow::Result<SandboxReport> {
    let chain = EmbeddedChain::start().await.map_err(fail)?;
    let certifier = chain.funded_keypair(1_000_000_000).await.map_err(fail)?;
    let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[certifier.pubkey()])
        .await
        .map_err(fail)?;
    let deployment = &localnet.deployment;
    let sender = || Sender::unjournaled(&chain, SendPolicy::immediate());

    // The vendor, registered and passed at stage A in the sandbox's own registry.
    let vendor = chain.funded_keypair(10_000_000_000).await.map_err(fail)?;
    let (agent, register) = ix::registry::register_with_first_version(
        &vendor.pubkey(),
        RegisterAgentArgs {
            name: "sandbox".into(),
            payout: vendor.pubkey(),
            // The sandbox's plan repeats a swap (DCA) to measure many executions; the
            // broker executes swap and DCA steps the same way.
            capabilities: capabilities | capability::SWAP | capability::DCA,
            metadata_uri: String::new(),
            manifest_hash: [0; 32],
        },
        PublishVersionArgs {
            semver: SemVer {
                major: 1,
                minor: 0,
                patch: 0,
            },
            manifest_hash: [0; 32],
            code_hash: [0; 32],
            capabilities: capabilities | capability::SWAP | capability::DCA,
        },
    );
    let version = pda::agent_version(&agent, 0).0;
    chain.send(&register, &[&vendor]).await.map_err(fail)?;
    let now = chain.clock().await.map_err(fail)?.unix_timestamp;
    let attest = ix::registry::attest(
        &agent,
        &version,
        &certifier.pubkey(),
        0,
        AttestArgs {
            stage: Stage::A,
            passed: true,
            slo: SloFigures::default(),
            report_hash: [0; 32],
            report_uri: String::new(),
            expires_at: now + 86_400 * 30,
            guards: agent_registry::constants::guard::ALL,
        },
    );
    chain.send(&[attest], &[&certifier]).await.map_err(fail)?;
    localnet
        .fund_tokens(&chain, &vendor.pubkey(), &deployment.fee_token, 0)
        .await
        .map_err(fail)?;

    // The owner and the planner.
    let owner = chain.funded_keypair(10_000_000_000).await.map_err(fail)?;
    localnet
        .fund_tokens(&chain, &owner.pubkey(), "SOL", 1_000_000_000_000)
        .await
        .map_err(fail)?;
    localnet
        .fund_tokens(&chain, &owner.pubkey(), "USDC", 100_000_000_000)
        .await
        .map_err(fail)?;
    let planner = Planner::new(
        &chain,
        sender(),
        chain.funded_keypair(10_000_000_000).await.map_err(fail)?,
        deployment,
        RfpPolicy {
            min_stage: Stage::A,
            ..RfpPolicy::default()
        },
    );
    let broker = Broker::new(
        &chain,
        sender(),
        vendor,
        agent,
        deployment,
        strategy.clone(),
    );

    let goal = format!(
        "DCA 1 SOL->USDC {} times every {}s",
        spec.executions, spec.interval_secs
    );
    let planner_key = planner.planner.pubkey();
    let mut draft = flows::draft(&chain, deployment, &goal, &owner.pubkey(), &planner_key)
        .await
        .map_err(fail)?;
    if let Some(per_day) = spec.daily_cap_executions {
        let one = draft.args.notional_cap_usd;
        draft.args.daily_cap_usd = one.saturating_mul(u64::from(per_day));
    }
    let owner_sender = sender();
    let wallet = OwnerWallet::new(&chain, &owner_sender, &owner, deployment);
    wallet.create(&draft).await.map_err(fail)?;
    let oversize = if spec.oversize_rfp {
        let big = flows::draft(
            &chain,
            deployment,
            "Swap 500 SOL->USDC",
            &owner.pubkey(),
            &planner_key,
        )
        .await
        .map_err(fail)?;
        wallet.create(&big).await.map_err(fail)?;
        planner.open_rfps(&big.plan).await.map_err(fail)?;
        Some(pda::rfp(&planner.planner.pubkey(), &big.plan, 0).0)
    } else {
        None
    };
    planner.open_rfps(&draft.plan).await.map_err(fail)?;
    broker.bid_all().await.map_err(fail)?;
    localnet
        .advance(&chain, RfpPolicy::default().bid_secs + 1)
        .await
        .map_err(fail)?;
    planner.award_all(&draft.plan).await.map_err(fail)?;
    let approval = wallet
        .approval(&draft.plan, 7 * 86_400)
        .await
        .map_err(fail)?;
    wallet.approve(&approval).await.map_err(fail)?;

    let mut report = SandboxReport {
        planned: spec.executions,
        bid_on_oversize: match oversize {
            Some(rfp) => chain
                .account(&pda::offer(&rfp, &agent).0)
                .await
                .map_err(fail)?
                .is_some(),
            None => false,
        },
        ..SandboxReport::default()
    };
    let base = localnet.price("SOL").unwrap_or_default();
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut executed = Vec::new();
    for tick in 0..spec.executions.saturating_mul(TICKS_PER_EXECUTION) {
        if report.landed == spec.executions {
            break;
        }
        let diverging = rng.gen_range(0..100u8) < spec.divergence_pct;
        localnet.set_price(
            "SOL",
            if diverging {
                base + base * spec.divergence_bps / 10_000
            } else {
                base
            },
        );
        localnet.set_feeding(!spec.stale_ticks.contains(&tick));
        localnet.publish_prices(&chain).await.map_err(fail)?;
        let rfp = pda::rfp(&planner.planner.pubkey(), &draft.plan, 0).0;
        let rfp = chain.fetch(&rfp).await.map_err(fail)?;
        let started = Instant::now();
        match broker.execute(&rfp).await {
            Ok((Outcome::Done(_), Some(done))) => {
                report.landed += 1;
                report
                    .latencies_ms
                    .push(u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX));
                executed.push(done);
            }
            Ok(_) => report.abstained += 1,
            Err(refusal) => report.refused.push(refusal.to_string()),
        }
        localnet.set_feeding(true);
        localnet
            .advance(&chain, i64::from(spec.interval_secs))
            .await
            .map_err(fail)?;
    }

    let (_, tree) = deployment.shard_of(&draft.plan);
    let mirror = mirror_of(&chain, &tree, deployment.receipt_depth)
        .await
        .map_err(fail)?;
    report.receipts_complete = executed.iter().all(|e| {
        e.receipt.as_ref().is_some_and(|r| {
            mirror.leaf(r.located.index).map(hex::encode).as_deref()
                == Some(r.located.leaf.as_str())
        })
    });
    report.fingerprint = executed
        .iter()
        .filter_map(|e| e.receipt.as_ref())
        .map(|r| {
            (
                r.located.receipt.amount_in,
                r.located.receipt.amount_out,
                r.located.receipt.guards.realized_slippage_bps,
                r.located.receipt.guards.fee_paid,
                r.located.receipt.guards.oracle_price,
            )
        })
        .collect();
    Ok(report)
}
