//! The journey as a script: each phase runs the real keepers and the owner's verbs
//! ([`agentrunner_client::flows`]) on a fresh embedded chain and hands what it did to the
//! observer as a [`Phase`]; nothing here prints.
use std::{path::PathBuf, sync::Arc};

use agentrunner_client::{
    chain::Chain,
    flows::{self, score_offers, Offers, OwnerWallet, PlanView, RfpPolicy, Scope},
    ix::sim_venue::PoolRef,
    pda,
    send::{Journal, SendPolicy, Sender},
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    EmbeddedChain,
};
use agentrunner_keepers::{
    anchorer::Anchorer,
    broker::Broker,
    certifier::{Canaries, Certifier},
    planner::Planner,
    Outcome,
};
use anchor_lang::prelude::Pubkey;
use escrow::state::Budget;
use runner::state::Plan;
use solana_signer::Signer;

use crate::{
    execution, market_data,
    report::{
        ApprovalSummary, Conservation, DeploymentSummary, JourneyReport, OfferLine, OffersSummary,
        Phase, PlanSummary, PoolSummary, StepOffers, TokenSummary,
    },
    vendors, verification,
};

/// What to run.
#[derive(Clone, Debug)]
pub struct JourneyConfig {
    pub goal: String,
    /// Seed of the certifier's sandbox price paths.
    pub seed: u64,
    /// Where certification reports and receipt JSON files go.
    pub out_dir: PathBuf,
}

/// Sends once, without a journal (the chain is in-process and fresh).
pub(crate) fn sender(chain: &EmbeddedChain) -> Sender<'_, EmbeddedChain, Box<dyn Journal>> {
    Sender::unjournaled(chain, SendPolicy::immediate())
}

pub(crate) fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Runs the journey, handing each phase to `observe` as soon as it is over.
pub async fn run(
    config: &JourneyConfig,
    observe: &mut dyn FnMut(Phase<'_>),
) -> anyhow::Result<JourneyReport> {
    let shared = Arc::new(EmbeddedChain::start().await.map_err(fail)?);
    let chain: &EmbeddedChain = &shared;
    let certifier_key = chain.funded_keypair(100_000_000_000).await.map_err(fail)?;
    let localnet = Localnet::bootstrap(chain, &LocalnetSpec::default(), &[certifier_key.pubkey()])
        .await
        .map_err(fail)?;
    let d = &localnet.deployment;
    let deployment = deployment_summary(chain, &localnet).await?;
    observe(Phase::Deployment(&deployment));

    let vendors = vendors::register(chain, &localnet).await?;
    // The certifier pays for the live stages' canary plans.
    for (symbol, atoms) in [("SOL", 10u64.pow(9)), ("USDC", 100 * 10u64.pow(6))] {
        localnet
            .fund_tokens(chain, &certifier_key.pubkey(), symbol, atoms)
            .await
            .map_err(fail)?;
    }
    let certifier = Certifier {
        chain,
        sender: sender(chain),
        certifier: certifier_key.insecure_clone(),
        deployment: d,
        reports_dir: config.out_dir.join("certification"),
        seed: config.seed,
        canaries: Canaries::default(),
        target_url: None,
    };
    let certified = vendors::certify(&certifier, &localnet, &vendors).await?;
    observe(Phase::Vendors(&certified));
    let name_of = |agent: &Pubkey| {
        vendors
            .iter()
            .find(|v| v.agent == *agent)
            .map_or("?".to_string(), |v| v.name.to_string())
    };

    // The owner, funded, buys the price series it plans with.
    let owner = chain.funded_keypair(10_000_000_000).await.map_err(fail)?;
    for (symbol, atoms) in [("SOL", 10 * 10u64.pow(9)), ("USDC", 100 * 10u64.pow(6))] {
        localnet
            .fund_tokens(chain, &owner.pubkey(), symbol, atoms)
            .await
            .map_err(fail)?;
    }
    let x402 = market_data::buy(&shared, &localnet, &vendors[0], &owner).await?;
    observe(Phase::MarketData(&x402));

    // Goal -> PlanGraph -> plan.
    let planner = Planner::new(
        chain,
        sender(chain),
        chain.funded_keypair(10_000_000_000).await.map_err(fail)?,
        d,
        RfpPolicy::default(),
    );
    let owner_sender = sender(chain);
    let wallet = OwnerWallet::new(chain, &owner_sender, &owner, d);
    let planner_key = planner.planner.pubkey();
    let draft = flows::draft(chain, d, &config.goal, &owner.pubkey(), &planner_key)
        .await
        .map_err(fail)?;
    let created = wallet.create(&draft).await.map_err(fail)?;
    let plan = PlanSummary {
        goal: config.goal.clone(),
        graph: draft.graph.clone(),
        plan: draft.plan,
        sell_decimals: draft
            .graph
            .steps
            .iter()
            .map(|s| d.token(&s.sell).map_or(0, |t| t.decimals))
            .collect(),
        create_bytes: created.wire_bytes,
    };
    observe(Phase::Plan(&plan));

    // RFPs, bids, awards.
    planner.open_rfps(&draft.plan).await.map_err(fail)?;
    let brokers: Vec<(&str, Broker<'_, EmbeddedChain>)> = vendors
        .iter()
        .map(|v| {
            let broker = Broker::new(
                chain,
                sender(chain),
                v.keypair.insecure_clone(),
                v.agent,
                d,
                v.manifest.strategy.clone(),
            )
            .with_receipts_dir(config.out_dir.join("vendor-receipts").join(v.name));
            (v.name, broker)
        })
        .collect();
    let mut abstained = Vec::new();
    for (name, broker) in &brokers {
        let skipped =
            broker.bid_all().await.map_err(fail)?.into_iter().find_map(
                |(_, outcome)| match outcome {
                    Ok(Outcome::Skipped(why)) => Some(why),
                    _ => None,
                },
            );
        if let Some(why) = skipped {
            abstained.push((name.to_string(), why));
        }
    }
    localnet
        .advance(chain, planner.policy.bid_secs + 1)
        .await
        .map_err(fail)?;
    planner.award_all(&draft.plan).await.map_err(fail)?;
    let awarded = PlanView::load(chain, d, &draft.plan, Offers::Load).await?;
    let now = chain.clock().await.map_err(fail)?.unix_timestamp;
    let mut steps = Vec::new();
    for step in &awarded.steps {
        let offers = score_offers(chain, step, now)
            .await?
            .iter()
            .map(|score| OfferLine {
                vendor: name_of(&score.offer.agent),
                price: score.offer.price,
                reliability_bps: score.candidate.as_ref().map_or(0, |c| c.reliability_bps),
                utility: score.utility().unwrap_or(0.0),
            })
            .collect();
        steps.push(StepOffers {
            step: step.index,
            offers,
            winner: step
                .award()
                .map_or("none".to_string(), |a| name_of(&a.agent)),
        });
    }
    let offers = OffersSummary { abstained, steps };
    observe(Phase::Offers(&offers));

    // One approval. The owner sets aside a round fee budget; what the grants do not use
    // comes back.
    let usdc = d.token("USDC")?.clone();
    let mut approval = wallet
        .approval(&draft.plan, 7 * 86_400)
        .await
        .map_err(fail)?;
    approval.deposit = approval.deposit.max(10u64.pow(u32::from(usdc.decimals)));
    let approved = wallet.approve(&approval).await.map_err(fail)?;
    let sold = d.token_by_mint(&approval.mints.inputs[0])?.clone();
    let approval_summary = ApprovalSummary {
        output_accounts: approval.mints.outputs.len(),
        grants: approval.grants.len(),
        input_mints: approval.mints.inputs.len(),
        transactions: approved.len(),
        bytes: approved.iter().map(|l| l.wire_bytes).sum(),
        signatures: approved.iter().map(|l| l.signatures).sum(),
        deposit: approval.deposit,
        reserved_input: chain
            .fetch::<Plan>(&draft.plan)
            .await?
            .reserved_input(&sold.mint)
            .map_err(fail)?,
        input_symbol: sold.symbol.clone(),
        input_decimals: sold.decimals,
    };
    observe(Phase::Approval(&approval_summary));

    // Execution.
    let sol = d.token("SOL")?.clone();
    let pool = d
        .pool(&sol.mint, &usdc.mint)
        .ok_or_else(|| fail("no SOL/USDC pool"))?;
    let watched = Watched::new(&owner.pubkey(), &sol.mint, &usdc.mint, &pool, &vendors);
    let before = watched.read(chain).await?;
    let execution = execution::run(
        chain,
        &localnet,
        &draft,
        &planner_key,
        &offers.steps,
        &brokers,
    )
    .await?;
    observe(Phase::Execution(&execution));

    // Anchoring.
    localnet.advance(chain, 3_600).await.map_err(fail)?;
    let anchorer = Anchorer {
        chain,
        sender: sender(chain),
        payer: chain.funded_keypair(10_000_000_000).await.map_err(fail)?,
        deployment: d,
    };
    let anchoring: Vec<(u16, String)> = anchorer
        .anchor_due()
        .await
        .map_err(fail)?
        .iter()
        .map(|(shard, outcome)| (*shard, outcome.describe()))
        .collect();
    observe(Phase::Anchoring(&anchoring));

    let verification = verification::verify_all(
        chain,
        &draft.plan,
        d.receipt_depth,
        &config.out_dir.join("receipts"),
        &config.out_dir.join("vendor-receipts"),
        &name_of,
    )
    .await?;
    observe(Phase::Verification(&verification));

    // Settlement: the close-out returns every unused atom and every rent lamport.
    let budget: Budget = chain.fetch(&approval.budget().budget).await?;
    let settlement = wallet
        .settlement(&draft.plan, Scope::CloseOut)
        .await
        .map_err(fail)?;
    wallet.settle(&settlement).await.map_err(fail)?;
    observe(Phase::Settlement(settlement.refund));

    // The books.
    let after = watched.read(chain).await?;
    let receipts = &verification.executions;
    let conservation = Conservation {
        owner_sol_spent: before.owner_sol - after.owner_sol,
        // The owner's USDC: swap output plus the refund (the deposit was taken before
        // `before`).
        owner_usdc_received: after.owner_usdc - before.owner_usdc - settlement.refund,
        fees_deposited: budget.deposited,
        fees_paid: budget.redeemed,
        fees_refunded: settlement.refund,
        vendors_received: after.vendors - before.vendors,
        pool_sol_received: after.pool_sol - before.pool_sol,
        pool_usdc_paid: before.pool_usdc - after.pool_usdc,
        sum_amount_in: receipts.iter().map(|e| e.amount_in).sum(),
        sum_amount_out: receipts.iter().map(|e| e.amount_out).sum(),
    };
    observe(Phase::Books(&conservation));

    Ok(JourneyReport {
        deployment,
        vendors: certified,
        x402,
        plan,
        offers,
        approval: approval_summary,
        execution,
        anchoring,
        verification,
        refunded: settlement.refund,
        conservation,
    })
}

/// The deployment as the narrator shows it: programs, tokens with their published prices,
/// pools with their reserves and fees, all read back from the chain.
async fn deployment_summary(
    chain: &EmbeddedChain,
    localnet: &Localnet,
) -> anyhow::Result<DeploymentSummary> {
    let d = &localnet.deployment;
    let mut pools = Vec::new();
    for (a, b) in &d.pools {
        let (ta, tb) = (d.token(a)?, d.token(b)?);
        let pool = d
            .pool(&ta.mint, &tb.mint)
            .ok_or_else(|| fail(format!("no {a}/{b} pool")))?;
        let state: sim_venue::state::Pool = chain.fetch(&pool.pool).await?;
        pools.push(PoolSummary {
            pair: (a.clone(), b.clone()),
            reserves: (
                chain.token_balance(&pool.vault(&ta.mint)).await?,
                chain.token_balance(&pool.vault(&tb.mint)).await?,
            ),
            decimals: (ta.decimals, tb.decimals),
            fee_bps: state.fee_bps,
        });
    }
    Ok(DeploymentSummary {
        programs: vec![
            ("registry", agent_registry::ID),
            ("market", market::ID),
            ("escrow", escrow::ID),
            ("runner", runner::ID),
            ("receipts", receipts::ID),
            ("sim_venue", sim_venue::ID),
        ],
        tokens: d
            .tokens
            .iter()
            .map(|t| TokenSummary {
                symbol: t.symbol.clone(),
                mint: t.mint,
                decimals: t.decimals,
                feed: t.pyth_feed.clone(),
                price: localnet.price(&t.symbol).unwrap_or(0),
            })
            .collect(),
        pools,
    })
}

/// The token accounts whose balances the books compare.
struct Watched {
    owner_sol: Pubkey,
    owner_usdc: Pubkey,
    pool_sol: Pubkey,
    pool_usdc: Pubkey,
    vendors: Vec<Pubkey>,
}

struct Balances {
    owner_sol: u64,
    owner_usdc: u64,
    pool_sol: u64,
    pool_usdc: u64,
    vendors: u64,
}

impl Watched {
    fn new(
        owner: &Pubkey,
        sol: &Pubkey,
        usdc: &Pubkey,
        pool: &PoolRef,
        vendors: &[vendors::Vendor],
    ) -> Self {
        let token = anchor_spl::token::ID;
        Self {
            owner_sol: pda::ata(owner, sol, &token),
            owner_usdc: pda::ata(owner, usdc, &token),
            pool_sol: pool.vault(sol),
            pool_usdc: pool.vault(usdc),
            vendors: vendors
                .iter()
                .map(|v| pda::ata(&v.keypair.pubkey(), usdc, &token))
                .collect(),
        }
    }

    async fn read(&self, chain: &EmbeddedChain) -> anyhow::Result<Balances> {
        let mut vendors = 0;
        for v in &self.vendors {
            vendors += chain.token_balance(v).await.map_err(fail)?;
        }
        Ok(Balances {
            owner_sol: chain.token_balance(&self.owner_sol).await.map_err(fail)?,
            owner_usdc: chain.token_balance(&self.owner_usdc).await.map_err(fail)?,
            pool_sol: chain.token_balance(&self.pool_sol).await.map_err(fail)?,
            pool_usdc: chain.token_balance(&self.pool_usdc).await.map_err(fail)?,
            vendors,
        })
    }
}
