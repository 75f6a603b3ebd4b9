//! The Retail DeFi journey on the embedded chain, driven by the real keepers: a deployment,
//! three vendors certified A–D (one fails stage B for a measured reason), a goal planned and put
//! out to bid, one approval signature, guarded executions (and a stale-oracle attempt the
//! runner refuses), period anchoring, third-party verification of every receipt, the refund of
//! the unused budget, and the money accounted for. `agentrunner demo` narrates it; the tests
//! assert on its [`JourneyReport`].
use std::path::PathBuf;

use agent_registry::{
    constants::capability,
    instructions::{PublishVersionArgs, RegisterAgentArgs},
    state::{SemVer, Stage},
};
use agentrunner_client::{
    chain::Chain,
    errors,
    flows::{self, Offers, OwnerWallet, PlanView, RfpPolicy, Scope},
    ix, pda,
    plan::PlanGraph,
    receipts::{
        index::{plan_receipts, verify_receipt},
        ReceiptJson,
    },
    send::{Journal, SendPolicy, Sender},
    units::amount,
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    EmbeddedChain,
};
use anchor_lang::prelude::Pubkey;
use escrow::state::Budget;
use market::state::Rfp;
use receipts::instructions::{ReceiptInput, VerifyReceiptArgs};
use runner::state::Plan;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{
    anchorer::Anchorer,
    broker::{Broker, Strategy},
    certifier::{
        manifest::{Manifest, SloClaims},
        Certifier,
    },
    planner::Planner,
    Outcome,
};

/// Where the journey tells what happens.
pub trait Narrator {
    fn section(&mut self, title: &str);
    fn line(&mut self, text: &str);
    /// Rows of cells; the first row is the header.
    fn table(&mut self, rows: Vec<Vec<String>>);
}

/// A narrator that keeps quiet (tests).
pub struct Silent;

impl Narrator for Silent {
    fn section(&mut self, _: &str) {}
    fn line(&mut self, _: &str) {}
    fn table(&mut self, _: Vec<Vec<String>>) {}
}

/// What to run.
#[derive(Clone, Debug)]
pub struct JourneyConfig {
    pub goal: String,
    /// Seed of the certifier's sandbox price paths.
    pub seed: u64,
    /// Where certification reports and receipt JSON files go.
    pub out_dir: PathBuf,
}

/// A vendor as the journey sets it up.
#[derive(Clone, Debug)]
pub struct VendorSummary {
    pub name: String,
    pub agent: Pubkey,
    pub price: u64,
    /// Stages passed, in order.
    pub passed: Vec<String>,
    /// The first failing stage and its reasons.
    pub failed: Option<(String, Vec<String>)>,
}

/// One landed execution.
#[derive(Clone, Debug)]
pub struct ExecutionSummary {
    pub step: u16,
    pub execution: u32,
    pub vendor: String,
    pub amount_in: u64,
    pub amount_out: u64,
    pub slippage_bps: u16,
    pub fee: u64,
}

/// One receipt and how it verified.
#[derive(Clone, Debug)]
pub struct ReceiptCheck {
    pub step: u16,
    pub execution: u32,
    pub index: u64,
    pub leaf: [u8; 32],
    pub period_root: Option<Pubkey>,
    /// Recomputed leaf + proof + PeriodRoot, off-chain, from chain data only.
    pub verified_off_chain: bool,
    /// `receipts::verify_receipt` landed.
    pub verified_on_chain: bool,
}

/// Token movements, atoms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conservation {
    pub owner_sol_spent: u64,
    pub owner_usdc_received: u64,
    pub fees_deposited: u64,
    pub fees_paid: u64,
    pub fees_refunded: u64,
    pub vendors_received: u64,
    pub pool_sol_received: u64,
    pub pool_usdc_paid: u64,
    pub sum_amount_in: u64,
    pub sum_amount_out: u64,
}

impl Conservation {
    /// Every atom is accounted for: the owner's trades are exactly the pool's and the receipts',
    /// and the fee budget splits exactly into what vendors got and what came back.
    pub fn holds(&self) -> bool {
        self.owner_sol_spent == self.sum_amount_in
            && self.pool_sol_received == self.sum_amount_in
            && self.owner_usdc_received == self.sum_amount_out
            && self.pool_usdc_paid == self.sum_amount_out
            && self.fees_deposited == self.fees_paid + self.fees_refunded
            && self.vendors_received == self.fees_paid
    }
}

/// The offers on one step and who won.
#[derive(Clone, Debug)]
pub struct StepOffers {
    pub step: u16,
    /// (vendor, fee per execution) of each offer.
    pub offers: Vec<(String, u64)>,
    pub winner: String,
}

/// The market data the owner bought over HTTP x402.
#[derive(Clone, Debug)]
pub struct X402Summary {
    /// Price per request, atoms of USDC.
    pub price: u64,
    pub requests: u64,
    /// Schemes the vendor offered in its 402.
    pub schemes: Vec<String>,
    /// Candles in the last series received.
    pub candles: usize,
    /// Settlement transactions for all the vouchers.
    pub settlements: usize,
    /// What the vendor received, atoms.
    pub vendor_received: u64,
}

/// Everything the journey did.
#[derive(Clone, Debug)]
pub struct JourneyReport {
    pub vendors: Vec<VendorSummary>,
    pub x402: X402Summary,
    pub plan: Pubkey,
    pub graph: PlanGraph,
    pub offers: Vec<StepOffers>,
    /// Bytes and signatures of the approval, over its transactions.
    pub approval_bytes: usize,
    pub approval_signatures: usize,
    /// Transactions the approval took (one unless the plan is among the largest).
    pub approval_transactions: usize,
    pub executions: Vec<ExecutionSummary>,
    /// The runner's refusal of the stale-oracle attempt.
    pub stale_refusal: String,
    /// The stale attempt changed no account it named.
    pub stale_changed_nothing: bool,
    pub receipts: Vec<ReceiptCheck>,
    pub conservation: Conservation,
}

struct VendorSetup {
    name: &'static str,
    keypair: Keypair,
    agent: Pubkey,
    manifest: Manifest,
}

fn vendor_manifests() -> Vec<(&'static str, Strategy)> {
    vec![
        (
            "FastRoute",
            Strategy {
                price: 80_000,
                eta_ms: 400,
                success_rate_bps: 9_950,
                ..Strategy::default()
            },
        ),
        (
            // Cheapest, but its broker quotes the pool's spot price and ignores the oracle.
            "CheapSwap",
            Strategy {
                price: 20_000,
                eta_ms: 300,
                success_rate_bps: 9_990,
                respects_guards: false,
                ..Strategy::default()
            },
        ),
        (
            "BalancedX",
            Strategy {
                price: 50_000,
                eta_ms: 600,
                success_rate_bps: 9_900,
                ..Strategy::default()
            },
        ),
    ]
}

fn manifest(name: &str, strategy: Strategy) -> Manifest {
    Manifest {
        name: name.into(),
        version: "1.0.0".into(),
        capabilities: vec!["swap".into(), "dca".into()],
        permissions: vec![
            "market.submit_offer".into(),
            "runner.execute_swap_step".into(),
        ],
        guards: ["slippage", "oracle", "fee_cap", "allowlist"]
            .map(String::from)
            .to_vec(),
        slo: SloClaims {
            p95_latency_ms: 2_000,
            success_rate_bps: strategy.success_rate_bps,
        },
        strategy,
    }
}

fn sender(chain: &EmbeddedChain) -> Sender<'_, EmbeddedChain, Box<dyn Journal>> {
    Sender::unjournaled(chain, SendPolicy::immediate())
}

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Runs the journey.
pub async fn run(config: &JourneyConfig, n: &mut dyn Narrator) -> anyhow::Result<JourneyReport> {
    let shared = std::sync::Arc::new(EmbeddedChain::start().await.map_err(fail)?);
    let chain: &EmbeddedChain = &shared;
    let certifier_key = chain.funded_keypair(100_000_000_000).await.map_err(fail)?;
    let localnet = Localnet::bootstrap(chain, &LocalnetSpec::default(), &[certifier_key.pubkey()])
        .await
        .map_err(fail)?;
    let d = &localnet.deployment;
    let (sol, usdc) = (d.token("SOL")?.clone(), d.token("USDC")?.clone());

    n.section("Deployment on the embedded chain");
    n.line(&format!(
        "real bank in-process; programs: registry {}, market {}, escrow {}, runner {}, receipts {}, sim_venue {}",
        short(&agent_registry::ID),
        short(&market::ID),
        short(&escrow::ID),
        short(&runner::ID),
        short(&receipts::ID),
        short(&sim_venue::ID)
    ));
    n.table(
        std::iter::once(vec![
            "token".into(),
            "mint".into(),
            "Pyth feed".into(),
            "price".into(),
        ])
        .chain(d.tokens.iter().map(|t| {
            vec![
                t.symbol.clone(),
                short(&t.mint),
                format!("{}…", &t.pyth_feed[..8]),
                format!(
                    "${}",
                    amount(localnet.price(&t.symbol).unwrap_or(0) as u64, 8)
                ),
            ]
        }))
        .collect(),
    );
    n.line("pools: SOL/USDC 10,000 / 1,500,000 (5 bps), JUP/USDC 1,000,000 / 800,000 (10 bps)");

    // Vendors.
    n.section("Vendors register and are certified A–D");
    let mut vendors = Vec::new();
    for (name, strategy) in vendor_manifests() {
        let keypair = chain.funded_keypair(10_000_000_000).await.map_err(fail)?;
        let manifest = manifest(name, strategy);
        let (agent, register) = ix::registry::register_with_first_version(
            &keypair.pubkey(),
            RegisterAgentArgs {
                name: name.into(),
                payout: keypair.pubkey(),
                capabilities: capability::SWAP | capability::DCA,
                metadata_uri: format!("https://agents.example/{name}/manifest.json"),
                manifest_hash: manifest.hash(),
            },
            PublishVersionArgs {
                semver: SemVer {
                    major: 1,
                    minor: 0,
                    patch: 0,
                },
                manifest_hash: manifest.hash(),
                code_hash: solana_sha256_hasher::hash(name.as_bytes()).to_bytes(),
                capabilities: capability::SWAP | capability::DCA,
            },
        );
        sender(chain)
            .send(&format!("register:{name}"), &keypair, &register, &[], &[])
            .await
            .map_err(fail)?;
        localnet
            .fund_tokens(chain, &keypair.pubkey(), "USDC", 0)
            .await
            .map_err(fail)?;
        vendors.push(VendorSetup {
            name,
            keypair,
            agent,
            manifest,
        });
    }
    let certifier = Certifier {
        chain,
        sender: sender(chain),
        certifier: certifier_key.insecure_clone(),
        reports_dir: config.out_dir.join("certification"),
        seed: config.seed,
    };
    let mut summaries = Vec::new();
    let mut rows = vec![vec![
        "vendor".into(),
        "fee/exec".into(),
        "A".into(),
        "B".into(),
        "C".into(),
        "D".into(),
        "p95 ms".into(),
        "success".into(),
    ]];
    for vendor in &vendors {
        let results = certifier
            .certify(&vendor.agent, &vendor.manifest, Stage::D)
            .await
            .map_err(fail)?;
        let mut summary = VendorSummary {
            name: vendor.name.into(),
            agent: vendor.agent,
            price: vendor.manifest.strategy.price,
            passed: Vec::new(),
            failed: None,
        };
        let mut row = vec![
            vendor.name.to_string(),
            format!("{} USDC", amount(summary.price, 6)),
        ];
        let mut figures = (String::from("-"), String::from("-"));
        for (report, _) in &results {
            if report.passed {
                summary.passed.push(report.stage.clone());
            } else {
                summary.failed = Some((report.stage.clone(), report.reasons.clone()));
            }
            row.push(if report.passed {
                "pass".into()
            } else {
                "FAIL".into()
            });
            if report.stage == "D" || !report.passed {
                figures = (
                    report.p95_latency_ms.to_string(),
                    format!("{:.2}%", f64::from(report.success_rate_bps) / 100.0),
                );
            }
        }
        while row.len() < 6 {
            row.push("-".into());
        }
        row.extend([figures.0, figures.1]);
        rows.push(row);
        summaries.push(summary);
    }
    n.table(rows);
    for summary in &summaries {
        if let Some((stage, reasons)) = &summary.failed {
            n.line(&format!(
                "{} failed stage {stage}: {}",
                summary.name,
                reasons.join("; ")
            ));
        }
    }

    // The user's goal (after buying the price series it plans with over x402).
    n.section("Market data over HTTP x402, then Goal → PlanGraph");
    let owner = chain.funded_keypair(10_000_000_000).await.map_err(fail)?;
    localnet
        .fund_tokens(chain, &owner.pubkey(), "SOL", 10 * 10u64.pow(9))
        .await
        .map_err(fail)?;
    localnet
        .fund_tokens(chain, &owner.pubkey(), "USDC", 100 * 10u64.pow(6))
        .await
        .map_err(fail)?;
    let x402 = buy_market_data(&shared, &localnet, &vendors[0], &owner, n).await?;
    let planner = Planner::new(
        chain,
        sender(chain),
        chain.funded_keypair(10_000_000_000).await.map_err(fail)?,
        d,
        RfpPolicy::default(),
    );
    let owner_sender = sender(chain);
    let wallet = OwnerWallet::new(chain, &owner_sender, &owner, d);
    n.line(&format!("goal: \"{}\"", config.goal));
    let draft = flows::draft(
        chain,
        d,
        &config.goal,
        &owner.pubkey(),
        &planner.planner.pubkey(),
    )
    .await
    .map_err(fail)?;
    let mut rows = vec![vec![
        "step".into(),
        "kind".into(),
        "trade".into(),
        "runs".into(),
        "after".into(),
        "slippage".into(),
        "fee cap".into(),
    ]];
    for s in &draft.graph.steps {
        let decimals = d.token(&s.sell).map(|t| t.decimals).unwrap_or(0);
        rows.push(vec![
            s.id.to_string(),
            format!("{:?}", s.kind),
            format!("{} {} → {}", amount(s.amount_in, decimals), s.sell, s.buy),
            if s.repeat > 1 {
                format!("{} × every {}s", s.repeat, s.interval_secs)
            } else {
                "1".into()
            },
            format!("{:?}", s.depends_on),
            format!("{} bps", s.guards.max_slippage_bps),
            format!("{} bps", s.guards.fee_cap_bps),
        ]);
    }
    n.table(rows);
    n.line(&format!(
        "caps: ${} per execution, ${} per day; plan hash {}",
        amount(draft.graph.policy.notional_cap_usd, 6),
        amount(draft.graph.policy.daily_cap_usd, 6),
        hex::encode(&draft.graph.hash()[..8])
    ));
    let landed = wallet.create(&draft).await.map_err(fail)?;
    n.line(&format!(
        "owner signed create_plan: plan {} ({} bytes)",
        short(&draft.plan),
        landed.wire_bytes
    ));

    // RFPs, offers, awards.
    n.section("RFPs, offers, award");
    planner.open_rfps(&draft.plan).await.map_err(fail)?;
    let brokers: Vec<Broker<'_, EmbeddedChain>> = vendors
        .iter()
        .map(|v| {
            Broker::new(
                chain,
                sender(chain),
                v.keypair.insecure_clone(),
                v.agent,
                d,
                v.manifest.strategy.clone(),
            )
            .with_receipts_dir(config.out_dir.join("vendor-receipts").join(v.name))
        })
        .collect();
    for (broker, vendor) in brokers.iter().zip(&vendors) {
        for (_, outcome) in broker.bid_all().await.map_err(fail)? {
            if let Ok(Outcome::Skipped(why)) = &outcome {
                n.line(&format!("{} does not bid: {why}", vendor.name));
                break;
            }
        }
    }
    localnet
        .advance(chain, planner.policy.bid_secs + 1)
        .await
        .map_err(fail)?;
    planner.award_all(&draft.plan).await.map_err(fail)?;
    let name_of = |agent: &Pubkey| {
        vendors
            .iter()
            .find(|v| v.agent == *agent)
            .map_or("?".to_string(), |v| v.name.to_string())
    };
    let mut offers_report = Vec::new();
    let mut rows = vec![vec![
        "step".into(),
        "offers (fee per execution)".into(),
        "awarded (utility = reliability × guards / price)".into(),
    ]];
    let awarded = PlanView::load(chain, d, &draft.plan, Offers::Load).await?;
    for view in &awarded.steps {
        let step = view.index;
        let offers: Vec<(String, u64)> = view
            .offers
            .iter()
            .map(|(_, o)| (name_of(&o.agent), o.price))
            .collect();
        let winner = view
            .award()
            .map_or("none".to_string(), |award| name_of(&award.agent));
        rows.push(vec![
            step.to_string(),
            offers
                .iter()
                .map(|(v, p)| format!("{v} {} USDC", amount(*p, 6)))
                .collect::<Vec<_>>()
                .join(", "),
            winner.clone(),
        ]);
        offers_report.push(StepOffers {
            step,
            offers,
            winner,
        });
    }
    n.table(rows);

    // One approval.
    n.section("Approval: one owner signature");
    let mut approval = wallet
        .approval(&draft.plan, 7 * 86_400)
        .await
        .map_err(fail)?;
    // The owner sets aside a round fee budget; what the grants do not use comes back.
    approval.deposit = approval.deposit.max(10u64.pow(u32::from(usdc.decimals)));
    let approved = wallet.approve(&approval).await.map_err(fail)?;
    n.line(&format!(
        "{} output accounts, open_budget, {} grants, approve_plan over {} input mints in {} transaction(s): {} bytes, {} signature(s)",
        approval.mints.outputs.len(),
        approval.grants.len(),
        approval.mints.inputs.len(),
        approved.len(),
        approved.iter().map(|l| l.wire_bytes).sum::<usize>(),
        approved.iter().map(|l| l.signatures).sum::<usize>()
    ));
    n.line(&format!(
        "fee budget {} USDC; the owner's delegate may move {} SOL for this plan, one step's input at a time into staging; capital stays in the owner's account",
        amount(approval.deposit, usdc.decimals),
        amount(
            chain
                .fetch::<Plan>(&draft.plan)
                .await?
                .reserved_input(&sol.mint)
                .map_err(fail)?,
            sol.decimals
        )
    ));
    let budget_ref = approval.budget();

    // Balances before execution.
    let owner_sol = pda::ata(&owner.pubkey(), &sol.mint, &anchor_spl::token::ID);
    let owner_usdc = pda::ata(&owner.pubkey(), &usdc.mint, &anchor_spl::token::ID);
    let pool = d
        .pool(&sol.mint, &usdc.mint)
        .ok_or_else(|| fail("no SOL/USDC pool"))?;
    let vendor_accounts: Vec<Pubkey> = vendors
        .iter()
        .map(|v| pda::ata(&v.keypair.pubkey(), &usdc.mint, &anchor_spl::token::ID))
        .collect();
    let before = Balances::read(
        chain,
        owner_sol,
        owner_usdc,
        &pool,
        &sol.mint,
        &usdc.mint,
        &vendor_accounts,
    )
    .await?;

    // Execution.
    n.section("Guarded execution");
    let awarded_broker = |step: u16| -> anyhow::Result<&Broker<'_, EmbeddedChain>> {
        let winner = &offers_report[usize::from(step)].winner;
        brokers
            .iter()
            .zip(&vendors)
            .find(|(_, v)| v.name == winner)
            .map(|(b, _)| b)
            .ok_or_else(|| fail(format!("step {step} has no awarded vendor")))
    };
    let mut stale_refusal = String::new();
    let mut stale_changed_nothing = false;
    let plan_steps = draft.graph.steps.len() as u16;
    for step in 0..plan_steps {
        let broker = awarded_broker(step)?;
        let node = &draft.graph.steps[usize::from(step)];
        for execution in 0..node.repeat {
            if execution > 0 || step > 0 {
                if step == 1 && execution == 0 {
                    // The adversarial moment: the feeder is down for an hour and the vendor
                    // forces an execution on the hour-old price.
                    localnet.set_feeding(false);
                    localnet
                        .advance(chain, i64::from(node.interval_secs.max(3_600)))
                        .await
                        .map_err(fail)?;
                    let (refusal, unchanged) = forced_stale_attempt(
                        chain,
                        broker,
                        &draft.plan,
                        &planner.planner.pubkey(),
                        step,
                    )
                    .await?;
                    n.line(&format!(
                        "✗ {} forces step {step} on a 1-hour-old price (guard checks off): refused on-chain — {refusal}; accounts unchanged: {unchanged}",
                        name_of(&broker.agent)
                    ));
                    stale_refusal = refusal;
                    stale_changed_nothing = unchanged;
                    localnet.set_feeding(true);
                    localnet.publish_prices(chain).await.map_err(fail)?;
                } else {
                    localnet
                        .advance(chain, i64::from(node.interval_secs))
                        .await
                        .map_err(fail)?;
                }
            }
            let rfp: Rfp = chain
                .fetch(&pda::rfp(&planner.planner.pubkey(), &draft.plan, step).0)
                .await?;
            let (outcome, executed) = broker.execute(&rfp).await.map_err(fail)?;
            let Some(executed) = executed else {
                anyhow::bail!("step {step} execution {execution}: {}", outcome.describe());
            };
            if let Some(receipt) = &executed.receipt {
                let r = &receipt.located.receipt;
                n.line(&format!(
                    "✓ step {step} #{execution} by {}: {} SOL → {} USDC, slippage {} bps vs oracle, fee {} USDC, receipt leaf {}…",
                    name_of(&broker.agent),
                    amount(r.amount_in, sol.decimals),
                    amount(r.amount_out, usdc.decimals),
                    r.guards.realized_slippage_bps,
                    amount(r.guards.fee_paid, usdc.decimals),
                    &receipt.located.leaf[..12]
                ));
            }
        }
    }
    let plan_state: Plan = chain.fetch(&draft.plan).await?;
    n.line(&format!("plan finished: {}", plan_state.is_finished()));

    // Anchoring.
    n.section("Period anchoring");
    localnet.advance(chain, 3_600).await.map_err(fail)?;
    let anchorer = Anchorer {
        chain,
        sender: sender(chain),
        payer: chain.funded_keypair(10_000_000_000).await.map_err(fail)?,
        deployment: d,
    };
    for (shard, outcome) in anchorer.anchor_due().await.map_err(fail)? {
        n.line(&format!("shard {shard}: {}", outcome.describe()));
    }

    // Verification by a third party.
    n.section("Independent verification of every receipt");
    let verifier = chain.funded_keypair(1_000_000_000).await.map_err(fail)?;
    let mut checks = Vec::new();
    let mut executions = Vec::new();
    let receipts_dir = config.out_dir.join("receipts");
    let _ = std::fs::create_dir_all(&receipts_dir);
    let mut rows = vec![vec![
        "step".into(),
        "#".into(),
        "leaf".into(),
        "index".into(),
        "PeriodRoot".into(),
        "off-chain".into(),
        "on-chain".into(),
    ]];
    for found in plan_receipts(chain, &draft.plan).await? {
        let r = found.receipt;
        let json = ReceiptJson::from(&r);
        let path = receipts_dir.join(format!("step{}-{}.json", r.step, r.execution));
        let _ = std::fs::write(&path, serde_json::to_vec_pretty(&json).unwrap_or_default());
        // The verifier starts from the JSON file alone.
        let parsed: ReceiptJson = serde_json::from_slice(&std::fs::read(&path)?)?;
        let receipt = receipts::Receipt::try_from(&parsed).map_err(fail)?;
        let verification =
            verify_receipt(chain, &receipt, &found.tree, found.index, d.receipt_depth).await?;
        let (off_chain, period_root, proof) = match &verification {
            Ok(v) => (v.period_root.is_some(), v.period_root, v.proof.clone()),
            Err(_) => (false, None, Vec::new()),
        };
        let on_chain = match period_root {
            Some(period) => {
                let ix = ix::receipts::verify_receipt(
                    &period,
                    VerifyReceiptArgs {
                        input: ReceiptInput::Receipt(Box::new(receipt)),
                        index: found.index,
                        proof,
                    },
                );
                sender(chain)
                    .send(
                        &format!("verify:{}", found.index),
                        &verifier,
                        &[ix],
                        &[],
                        &[],
                    )
                    .await
                    .is_ok()
            }
            None => false,
        };
        rows.push(vec![
            r.step.to_string(),
            r.execution.to_string(),
            format!("{}…", &hex::encode(r.leaf())[..12]),
            found.index.to_string(),
            period_root.as_ref().map_or("-".into(), short),
            if off_chain {
                "✓".into()
            } else {
                "✗".into()
            },
            if on_chain { "✓".into() } else { "✗".into() },
        ]);
        executions.push(ExecutionSummary {
            step: r.step,
            execution: r.execution,
            vendor: name_of(&r.agent),
            amount_in: r.amount_in,
            amount_out: r.amount_out,
            slippage_bps: r.guards.realized_slippage_bps,
            fee: r.payment.amount,
        });
        checks.push(ReceiptCheck {
            step: r.step,
            execution: r.execution,
            index: found.index,
            leaf: r.leaf(),
            period_root,
            verified_off_chain: off_chain,
            verified_on_chain: on_chain,
        });
    }
    n.table(rows);
    n.line(&format!("receipt JSON files: {}", receipts_dir.display()));

    // Settle.
    n.section("Settlement: unused budget back to the owner");
    let budget: Budget = chain.fetch(&budget_ref.budget).await?;
    let settlement = wallet
        .settlement(&draft.plan, Scope::CloseOut)
        .await
        .map_err(fail)?;
    wallet.settle(&settlement).await.map_err(fail)?;
    let unused = settlement.refund;
    n.line(&format!(
        "refunded {} USDC; grants, budget and plan closed (rent back to the owner)",
        amount(unused, usdc.decimals)
    ));

    // The books.
    let after = Balances::read(
        chain,
        owner_sol,
        owner_usdc,
        &pool,
        &sol.mint,
        &usdc.mint,
        &vendor_accounts,
    )
    .await?;
    let fees_paid = budget.redeemed;
    let conservation = Conservation {
        owner_sol_spent: before.owner_sol - after.owner_sol,
        // The owner's USDC: swap output plus the refund, minus nothing else (the deposit was
        // taken before `before`).
        owner_usdc_received: after.owner_usdc - before.owner_usdc - unused,
        fees_deposited: budget.deposited,
        fees_paid,
        fees_refunded: unused,
        vendors_received: after.vendors - before.vendors,
        pool_sol_received: after.pool_sol - before.pool_sol,
        pool_usdc_paid: before.pool_usdc - after.pool_usdc,
        sum_amount_in: executions.iter().map(|e| e.amount_in).sum(),
        sum_amount_out: executions.iter().map(|e| e.amount_out).sum(),
    };
    n.section("Money conserved");
    n.table(vec![
        vec!["flow".into(), "amount".into(), "equals".into()],
        vec![
            "owner SOL out".into(),
            amount(conservation.owner_sol_spent, sol.decimals),
            format!(
                "pool SOL in {} = Σ receipts amount_in {}",
                amount(conservation.pool_sol_received, sol.decimals),
                amount(conservation.sum_amount_in, sol.decimals)
            ),
        ],
        vec![
            "owner USDC in".into(),
            amount(conservation.owner_usdc_received, usdc.decimals),
            format!(
                "pool USDC out {} = Σ receipts amount_out {}",
                amount(conservation.pool_usdc_paid, usdc.decimals),
                amount(conservation.sum_amount_out, usdc.decimals)
            ),
        ],
        vec![
            "fee budget".into(),
            amount(conservation.fees_deposited, usdc.decimals),
            format!(
                "paid {} (vendors got {}) + refunded {}",
                amount(conservation.fees_paid, usdc.decimals),
                amount(conservation.vendors_received, usdc.decimals),
                amount(conservation.fees_refunded, usdc.decimals)
            ),
        ],
    ]);
    n.line(if conservation.holds() {
        "✓ every atom accounted for"
    } else {
        "✗ MISMATCH"
    });

    Ok(JourneyReport {
        vendors: summaries,
        x402,
        plan: draft.plan,
        graph: draft.graph,
        offers: offers_report,
        approval_bytes: approved.iter().map(|l| l.wire_bytes).sum(),
        approval_signatures: approved.iter().map(|l| l.signatures).sum(),
        approval_transactions: approved.len(),
        executions,
        stale_refusal,
        stale_changed_nothing,
        receipts: checks,
        conservation,
    })
}

/// Price of one market-data request: 0.001 USDC.
const DATA_PRICE: u64 = 1_000;
/// Requests the owner makes.
const DATA_REQUESTS: u64 = 3;

/// The owner buys the SOL price series from `vendor`'s HTTP endpoint, paying each request with a
/// cumulative voucher over x402; the vendor settles them in one transaction; the owner takes
/// the unused budget back. The chain is served over JSON-RPC for the vendor's paywall.
async fn buy_market_data(
    shared: &std::sync::Arc<EmbeddedChain>,
    localnet: &Localnet,
    vendor: &VendorSetup,
    owner: &Keypair,
    n: &mut dyn Narrator,
) -> anyhow::Result<X402Summary> {
    use agentrunner_x402::{
        client::{PayingClient, VendorBudget},
        paywall::Paywall,
    };
    let chain: &EmbeddedChain = shared;
    let d = &localnet.deployment;
    let usdc = d.token("USDC")?.mint;
    let rpc =
        agentrunner_embedded::rpc_server::serve(shared.clone(), "127.0.0.1:0".parse()?).await?;
    let vendor_usdc = pda::ata(&vendor.keypair.pubkey(), &usdc, &anchor_spl::token::ID);
    let paywall = std::sync::Arc::new(
        Paywall::new(
            agentrunner_client::rpc::RpcChain::new(&rpc.url()),
            vendor.keypair.insecure_clone(),
            vendor_usdc,
            usdc,
        )
        .await?,
    );
    let service = std::sync::Arc::new(crate::broker::http::DataService::new(
        paywall.clone(),
        d.clone(),
        DATA_PRICE,
    ));
    let (addr, server) =
        crate::broker::http::serve(crate::broker::http::router(service), "127.0.0.1:0".parse()?)
            .await?;

    // A small data budget: a grant to the vendor and a session key for vouchers.
    let deposit = 10_000;
    let now = chain.clock().await.map_err(fail)?.unix_timestamp;
    let session = Keypair::new();
    let owner_usdc = pda::ata(&owner.pubkey(), &usdc, &anchor_spl::token::ID);
    let funding = VendorBudget {
        payer: owner.pubkey(),
        payer_token: owner_usdc,
        id: solana_sha256_hasher::hash(b"market-data").to_bytes(),
        mint: usdc,
        deposit,
        max_amount: deposit,
        vendor: vendor.keypair.pubkey(),
        vendor_token: vendor_usdc,
        not_before: now,
        expires_at: now + 86_400,
        session: Some(session.pubkey()),
        first_grant: agentrunner_client::accounts::next_grant_base(chain, &owner.pubkey()).await?,
    };
    sender(chain)
        .send("data-budget", owner, &funding.instructions(), &[], &[])
        .await
        .map_err(fail)?;
    let grant_key = funding.grant();
    let budget = funding.budget();
    let grant: escrow::state::Grant = chain.fetch(&grant_key).await?;
    let client = PayingClient::new(
        paywall.network.clone(),
        usdc,
        funding.voucher_funding(session, grant.issued_slot),
        DATA_PRICE,
        deposit,
    );
    let url = format!("http://{addr}/ohlcv?symbol=SOL");
    let first = client.http.get(&url).send().await?;
    let required: agentrunner_x402::wire::PaymentRequired = agentrunner_x402::wire::decode(
        first.headers()[agentrunner_x402::wire::PAYMENT_REQUIRED].to_str()?,
    )?;
    let schemes: Vec<String> = required.accepts.iter().map(|a| a.scheme.clone()).collect();
    n.line(&format!(
        "GET /ohlcv?symbol=SOL from {} → {} Payment Required: {} atoms of USDC, schemes {}, network {}",
        vendor.name,
        first.status().as_u16(),
        required.accepts[0].amount,
        schemes.join(" | "),
        paywall.network
    ));
    let mut candles = 0;
    for _ in 0..DATA_REQUESTS {
        let paid = client.get(&url).await?;
        anyhow::ensure!(
            paid.status.is_success(),
            "paid request refused: {}",
            String::from_utf8_lossy(&paid.body)
        );
        let series: crate::broker::http::Ohlcv = serde_json::from_slice(&paid.body)?;
        candles = series.candles.len();
    }
    let before = chain.token_balance(&vendor_usdc).await.map_err(fail)?;
    let settled = paywall.settle_vouchers().await?;
    let received = chain.token_balance(&vendor_usdc).await.map_err(fail)? - before;
    let unused = deposit - received;
    let close = [
        ix::escrow::revoke_grant(&budget.budget, &grant_key, &owner.pubkey()),
        ix::escrow::refund(&budget, &owner_usdc, &owner.pubkey(), unused),
    ];
    sender(chain)
        .send("data-refund", owner, &close, &[], &[])
        .await
        .map_err(fail)?;
    n.line(&format!(
        "paid {DATA_REQUESTS} requests with cumulative vouchers (PAYMENT-SIGNATURE → 200 + PAYMENT-RESPONSE); {} settled them in {} transaction: {} atoms; {} atoms back to the owner",
        vendor.name,
        settled.len(),
        received,
        unused
    ));
    server.abort();
    rpc.stop();
    Ok(X402Summary {
        price: DATA_PRICE,
        requests: DATA_REQUESTS,
        schemes,
        candles,
        settlements: settled.len(),
        vendor_received: received,
    })
}

/// `abcd…wxyz`.
pub fn short(key: &Pubkey) -> String {
    let s = key.to_string();
    format!("{}…{}", &s[..4], &s[s.len() - 4..])
}

struct Balances {
    owner_sol: u64,
    owner_usdc: u64,
    pool_sol: u64,
    pool_usdc: u64,
    vendors: u64,
}

impl Balances {
    async fn read(
        chain: &EmbeddedChain,
        owner_sol: Pubkey,
        owner_usdc: Pubkey,
        pool: &agentrunner_client::ix::sim_venue::PoolRef,
        sol: &Pubkey,
        usdc: &Pubkey,
        vendors: &[Pubkey],
    ) -> anyhow::Result<Self> {
        let mut vendor_total = 0;
        for v in vendors {
            vendor_total += chain.token_balance(v).await.map_err(fail)?;
        }
        Ok(Self {
            owner_sol: chain.token_balance(&owner_sol).await.map_err(fail)?,
            owner_usdc: chain.token_balance(&owner_usdc).await.map_err(fail)?,
            pool_sol: chain.token_balance(&pool.vault(sol)).await.map_err(fail)?,
            pool_usdc: chain.token_balance(&pool.vault(usdc)).await.map_err(fail)?,
            vendors: vendor_total,
        })
    }
}

/// The awarded vendor sends an execution of `step` on stale prices straight to the chain (no
/// simulation, no guard check of its own). Returns the runner's refusal and whether every
/// account the transaction named is unchanged.
async fn forced_stale_attempt(
    chain: &EmbeddedChain,
    broker: &Broker<'_, EmbeddedChain>,
    plan: &Pubkey,
    planner: &Pubkey,
    step: u16,
) -> anyhow::Result<(String, bool)> {
    let reckless = Broker {
        chain,
        sender: Sender::unjournaled(chain, SendPolicy::immediate()),
        vendor: broker.vendor.insecure_clone(),
        agent: broker.agent,
        deployment: broker.deployment,
        strategy: Strategy {
            respects_guards: false,
            ..broker.strategy.clone()
        },
        receipts_dir: None,
    };
    let rfp: Rfp = chain.fetch(&pda::rfp(planner, plan, step).0).await?;
    let ix = reckless.execution_instruction(&rfp).await.map_err(fail)?;
    let keys: Vec<Pubkey> = ix
        .accounts
        .iter()
        .map(|m| m.pubkey)
        .filter(|k| *k != broker.vendor.pubkey())
        .collect();
    let mut before = Vec::new();
    for key in &keys {
        before.push(chain.account(key).await.map_err(fail)?);
    }
    let table = broker.deployment.lookup_table_account();
    let result = chain.send_v0(&broker.vendor, &[ix], &[], &[table]).await;
    let refusal = match result {
        Ok(_) => anyhow::bail!("the runner accepted an execution on a stale price"),
        Err(e) => e
            .transaction_error()
            .map(errors::describe)
            .unwrap_or_else(|| e.to_string()),
    };
    let mut unchanged = true;
    for (key, was) in keys.iter().zip(before) {
        unchanged &= chain.account(key).await.map_err(fail)? == was;
    }
    Ok((refusal, unchanged))
}
