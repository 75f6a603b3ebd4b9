//! Plans in the model run: creation with a competitive market round per step (`award_best`
//! over one to three vendors' offers), approval, cancellation, closing with the budget settled,
//! and RFPs closed once past their deadlines.
use agentrunner_client::{
    ix::{self, approval::StepGrant, market::Bidder},
    pda,
};
use anchor_lang::prelude::Pubkey;
use market::state::{Rfp, RfpStatus};
use rand::Rng;
use runner::{
    instructions::StepArgs,
    state::{Plan, PlanStep, StepKind, StepStatus},
};
use solana_signer::Signer;

use super::{checks, World};
use crate::{
    context::landed,
    fixtures::{offer_terms, open_rfp, submit_offer_with},
    runner_world::{step_rfp_args, AwardedPlan, PlanSetup, SOL, SOL_INDEX, USDC, USDC_INDEX},
};

/// A step as the model tracks it.
#[derive(Clone, Debug)]
pub(crate) struct StepModel {
    pub step: PlanStep,
    /// Index of the awarded vendor.
    pub vendor: usize,
    pub price: u64,
    pub executions: u16,
    pub last_executed_at: i64,
    pub status: StepStatus,
    /// The step's RFP and its execution deadline.
    pub rfp: Pubkey,
    pub deadline: i64,
}

/// Where a plan is in its life.
pub(crate) enum Phase {
    Awarded(Box<AwardedPlan>),
    Approved(Box<PlanSetup>),
}

/// A plan the model tracks until it is closed and settled.
pub(crate) struct LivePlan {
    pub key: Pubkey,
    pub owner: usize,
    pub phase: Phase,
    pub steps: Vec<StepModel>,
    pub cancelled: bool,
    /// Atoms sent straight to the budget vault (the donation attack).
    pub donated: u64,
}

impl LivePlan {
    pub fn setup(&self) -> Option<&PlanSetup> {
        match &self.phase {
            Phase::Approved(setup) => Some(setup),
            Phase::Awarded(_) => None,
        }
    }

    /// Every step done, failed or reported unfunded.
    pub fn is_finished(&self) -> bool {
        self.steps.iter().all(|s| s.status != StepStatus::Pending)
    }

    /// Atoms of `mint` the plan may still sell: its share of the owner's delegation.
    pub fn reserved(&self, mint: &Pubkey) -> u64 {
        if self.cancelled || self.setup().is_none() {
            return 0;
        }
        self.steps
            .iter()
            .filter(|s| s.step.kind != StepKind::Service && s.step.mint_in == *mint)
            .map(|s| s.step.amount_in * u64::from(s.step.repeat - s.executions))
            .sum()
    }
}

/// Amount of `mint_in` worth about $70-$90 at the model's prices (above the fee cap's floor for
/// any price a vendor offers).
fn amount_worth(world: &mut World, sells_sol: bool) -> u64 {
    let usd = world.rng.gen_range(70..=90u64);
    if sells_sol {
        // USD * 10^9 atoms per SOL / (price per SOL), the price at exponent -8.
        usd * SOL * 100_000_000 / world.sol_price as u64
    } else {
        usd * USDC
    }
}

/// One to three random steps: swaps either way, a DCA, a service step; later steps may
/// depend on earlier ones.
fn random_steps(world: &mut World) -> Vec<StepArgs> {
    let n = world.rng.gen_range(1..=3usize);
    let mut steps = Vec::new();
    for i in 0..n {
        let sells_sol = world.rng.gen_bool(0.5);
        let amount = amount_worth(world, sells_sol);
        let mut step = match world.rng.gen_range(0..4) {
            0 => world.w.data_service_step(),
            1 => world.w.dca_sol_step(amount, world.rng.gen_range(2..=4), 60),
            _ => world.w.swap_sol_step(amount),
        };
        if step.kind != StepKind::Service && !sells_sol {
            step.mint_in = USDC_INDEX;
            step.mint_out = SOL_INDEX;
        }
        if step.kind == StepKind::Service {
            step.repeat = world.rng.gen_range(1..=3);
        }
        if i > 0 && world.rng.gen_bool(0.3) {
            step.depends_on = 1 << world.rng.gen_range(0..i);
        }
        steps.push(step);
    }
    steps
}

/// Creates a plan for a random owner and runs a market round for each step: the owner opens
/// the RFP, one to three vendors offer (the self-dealer alone on its own plans), and after the
/// bid deadline anyone calls `award_best`.
pub(crate) async fn new_plan(world: &mut World) {
    // Offers need a certification that outlasts the bidding minute: one lapsing sooner is left
    // to lapse (a pass cannot be renewed early) and renewed.
    let now = world.w.ctx.now().await;
    if let Some(lapse) = world
        .vendors
        .iter()
        .map(|v| v.certified_until)
        .filter(|&until| until < now + 120)
        .max()
    {
        if lapse > now {
            super::execute::warp_by(world, lapse - now).await;
        }
    }
    super::recertify_lapsed(world).await;
    let owner_index = world.rng.gen_range(0..world.owners.len());
    let steps = random_steps(world);
    let owner = world.owners[owner_index].owner.again();
    let plan_id = world.owners[owner_index].next_plan_id;
    world.owners[owner_index].next_plan_id += 1;
    let mut args = world.w.plan_args(owner.keypair.pubkey(), steps);
    args.plan_id = plan_id;
    let key = pda::plan(&owner.keypair.pubkey(), plan_id).0;
    let create = ix::runner::create_plan(&owner.keypair.pubkey(), args);
    landed(world.w.ctx.send(&[create], &[&owner.keypair]).await);
    world.count(false);
    let stored: Plan = world.w.ctx.get(&key).await;

    let self_dealer = world
        .vendors
        .iter()
        .position(|v| v.self_dealer_of == Some(owner_index));
    let now = world.w.ctx.now().await;
    let mut rfps = Vec::new();
    for (index, step) in stored.steps.iter().enumerate() {
        let args = step_rfp_args(&key, index as u16, step, world.w.usdc, now);
        let rfp = open_rfp(&world.w.ctx, &owner.keypair, args).await;
        world.count(false);
        let bidders: Vec<usize> = match self_dealer {
            Some(v) => vec![v],
            None => {
                let honest: Vec<usize> = (0..world.vendors.len())
                    .filter(|&v| world.vendors[v].self_dealer_of.is_none())
                    .collect();
                let k = world.rng.gen_range(1..=honest.len());
                honest[..k].to_vec()
            }
        };
        let mut candidates = Vec::new();
        for v in bidders {
            let price = world.rng.gen_range(20_000..=60_000u64);
            let root = &world.vendors[v].root;
            let bidder = Bidder {
                agent: root.agent,
                version: root.version,
            };
            let offer = submit_offer_with(&world.w.ctx, &rfp, root, offer_terms(price, now)).await;
            world.count(false);
            candidates.push((offer, bidder));
        }
        rfps.push((rfp, candidates));
    }
    super::execute::warp_by(world, 61).await;
    let mut grants = Vec::new();
    let mut awarded_to = Vec::new();
    let mut models = Vec::new();
    for (index, (rfp, candidates)) in rfps.into_iter().enumerate() {
        let caller = &world.w.ctx.chain.payer().insecure_clone();
        let award = ix::market::award_best(&rfp, &caller.pubkey(), &candidates);
        landed(world.w.ctx.send(&[award], &[]).await);
        world.count(false);
        let state: Rfp = world.w.ctx.get(&rfp).await;
        let RfpStatus::Awarded(award) = state.status else {
            panic!("award_best left the RFP {:?}", state.status);
        };
        let vendor = world
            .vendors
            .iter()
            .position(|v| v.root.agent == award.agent)
            .expect("the winner is one of the bidders");
        assert!(candidates.iter().any(|(_, b)| b.agent == award.agent));
        let step = stored.steps[index];
        grants.push(StepGrant {
            step: index as u8,
            award,
            vendor_token: world.vendors[vendor].payout,
            executions: step.repeat,
        });
        let root = &world.vendors[vendor].root;
        awarded_to.push((root.owner.pubkey(), root.agent, root.version));
        world
            .rfps_to_close
            .push((rfp, owner.keypair.pubkey(), state.execution_deadline));
        models.push(StepModel {
            step,
            vendor,
            price: award.price,
            executions: 0,
            last_executed_at: 0,
            status: StepStatus::Pending,
            rfp,
            deadline: state.execution_deadline,
        });
        for (offer, bidder) in candidates {
            let vendor = world
                .vendors
                .iter()
                .find(|v| v.root.agent == bidder.agent)
                .expect("bidder");
            let close = ix::market::close_offer(&rfp, &offer, &vendor.root.owner.pubkey());
            landed(world.w.ctx.send(&[close], &[]).await);
            world.count(false);
        }
    }
    world.plans.push(LivePlan {
        key,
        owner: owner_index,
        phase: Phase::Awarded(Box::new(AwardedPlan {
            owner,
            plan: key,
            fee_mint: world.w.usdc,
            plan_steps: stored.steps.clone(),
            grants,
            vendors: awarded_to,
        })),
        steps: models,
        cancelled: false,
        donated: 0,
    });
    world.report.plans += 1;
}

/// The owner of a random awarded plan approves it (budget, grants and delegation).
pub(crate) async fn approve_one(world: &mut World) {
    let Some(index) = (0..world.plans.len())
        .find(|&i| matches!(world.plans[i].phase, Phase::Awarded(_)) && !world.plans[i].cancelled)
    else {
        return;
    };
    let plan = world.plans.remove(index);
    let Phase::Awarded(awarded) = plan.phase else {
        unreachable!()
    };
    let setup = world.w.approve(*awarded).await;
    for _ in &setup.approval_bytes {
        world.count(false);
    }
    let budget = setup.steps[0].budget.vault;
    let owner = &setup.owner;
    let staging = [world.w.sol, world.w.usdc].map(|m| pda::staging(&owner.keypair.pubkey(), &m).0);
    checks::track(world, &[budget]);
    checks::track(world, &staging);
    world.plans.insert(
        index,
        LivePlan {
            phase: Phase::Approved(Box::new(setup)),
            ..plan
        },
    );
}

/// The owner cancels a random live plan.
pub(crate) async fn cancel_one(world: &mut World) {
    let live: Vec<usize> = (0..world.plans.len())
        .filter(|&i| !world.plans[i].cancelled)
        .collect();
    if live.is_empty() {
        return;
    }
    let i = live[world.pick(live.len())];
    let plan = &world.plans[i];
    let stored: Plan = world.w.ctx.get(&plan.key).await;
    let owner = world.owners[plan.owner].owner.keypair.insecure_clone();
    let cancel = ix::runner::cancel_plan(&plan.key, &stored);
    landed(world.w.ctx.send(&[cancel], &[&owner]).await);
    world.count(false);
    world.plans[i].cancelled = true;
}

/// Closes a random cancelled or finished plan, then settles its budget: every grant revoked
/// and closed, the rest refunded, the budget closed (sweeping any donation to the owner).
pub(crate) async fn close_one(world: &mut World) {
    let Some(i) =
        (0..world.plans.len()).find(|&i| world.plans[i].cancelled || world.plans[i].is_finished())
    else {
        return;
    };
    let plan = world.plans.remove(i);
    close_plan(world, plan).await;
}

/// Closes `plan` and settles its budget (see [`close_one`]).
pub(crate) async fn close_plan(world: &mut World, plan: LivePlan) {
    let owner = world.owners[plan.owner].owner.keypair.insecure_clone();
    let stored: Plan = world.w.ctx.get(&plan.key).await;
    let close = ix::runner::close_plan(&plan.key, &stored);
    landed(world.w.ctx.send(&[close], &[&owner]).await);
    world.count(false);
    let Some(setup) = plan.setup() else {
        return;
    };
    let b = setup.steps[0].budget;
    let payer = owner.pubkey();
    for step in &setup.steps {
        let revoke = ix::escrow::revoke_grant(&b.budget, &step.grant, &payer);
        let close = ix::escrow::close_grant(&b.budget, &step.grant, &payer);
        landed(world.w.ctx.send(&[revoke, close], &[&owner]).await);
        world.count(false);
    }
    let budget: escrow::state::Budget = world.w.ctx.get(&b.budget).await;
    let available = budget.available().unwrap();
    let destination = setup.owner.usdc;
    if available > 0 {
        let refund = ix::escrow::refund(&b, &destination, &payer, available);
        landed(world.w.ctx.send(&[refund], &[&owner]).await);
        world.count(false);
    }
    let close = ix::escrow::close_budget(&b, &payer, &payer);
    landed(world.w.ctx.send(&[close], &[&owner]).await);
    world.count(false);
    checks::untrack(world, &[b.vault]);
}

/// Closes every RFP whose execution deadline passed (their offers closed at award).
pub(crate) async fn close_rfps(world: &mut World) {
    let now = world.w.ctx.now().await;
    let (due, later): (Vec<_>, Vec<_>) = world
        .rfps_to_close
        .drain(..)
        .partition(|(_, _, deadline)| now >= *deadline);
    world.rfps_to_close = later;
    for (rfp, requester, _) in due {
        let close = ix::market::close_rfp(&rfp, &requester);
        landed(world.w.ctx.send(&[close], &[]).await);
        world.count(false);
        world.closed_rfps.insert(rfp);
    }
}
