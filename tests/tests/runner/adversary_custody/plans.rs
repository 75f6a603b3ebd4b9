//! Custody attacks on an owner's concurrent plans, its oracles and the agents' standing: one
//! delegation shared by every plan, only the pinned oracle read, paused or decertified agents
//! stopped, decimals checked at creation, a runner-redeemed grant out of vouchers' reach, and
//! staging closed only when no plan can sell the mint.
use super::*;

/// What the approved, active plans among `plans` may still sell of `mint`.
async fn reserved(w: &RunnerWorld, plans: &[&Pubkey], mint: &Pubkey) -> u64 {
    let mut total = 0;
    for key in plans {
        if let Some(account) = w.ctx.chain.account(key).await.unwrap() {
            let plan: Plan =
                anchor_lang::AccountDeserialize::try_deserialize(&mut &account.data[..]).unwrap();
            let live = plan.status == runner::state::PlanStatus::Active
                && matches!(plan.custody, runner::state::Custody::Approved { .. });
            if live {
                total += plan.reserved_input(mint).unwrap();
            }
        }
    }
    total
}

async fn vendor(w: &RunnerWorld, name: &str) -> VendorRoot {
    let vendor = setup_vendor_with(&w.ctx, name, VENDOR_CAPABILITIES).await;
    certify(&w.ctx, &w.registry, &vendor, Stage::D).await;
    vendor
}

#[tokio::test]
async fn adversary_custody_concurrent_plans_share_one_delegation() {
    let w = RunnerWorld::new().await;
    let owner = w.funded_owner().await;
    let key = owner.keypair.pubkey();
    let vendors = [
        vendor(&w, "RouteOne").await,
        vendor(&w, "RouteTwo").await,
        vendor(&w, "RouteThree").await,
    ];
    let args = |id: u64, steps: Vec<StepArgs>| {
        let mut a = w.plan_args(key, steps);
        a.plan_id = id;
        a.mints
            .push(w.pyth_policy(w.jup, USDC_DECIMALS, pyth_feed::JUP_USD));
        a
    };
    let rebalance = |step: StepArgs| StepArgs {
        kind: StepKind::Rebalance,
        capability: agent_registry::constants::capability::REBALANCE,
        ..step
    };
    let specs = [
        (args(1, vec![w.swap_sol_step(SOL)]), 0),
        (args(2, vec![w.dca_sol_step(SOL / 2, 3, 0)]), 1),
        (
            args(
                3,
                vec![
                    rebalance(w.swap_sol_step(2 * SOL)),
                    rebalance(StepArgs {
                        depends_on: 0b1,
                        mint_in: USDC_INDEX,
                        mint_out: 2,
                        amount_in: 100 * USDC,
                        ..w.swap_sol_step(SOL)
                    }),
                ],
            ),
            2,
        ),
        (args(4, vec![w.dca_sol_step(SOL / 2, 4, 0)]), 0),
    ];
    // Approved one after another: each approval adds exactly its own inputs.
    let mut plans: Vec<(PlanSetup, usize)> = Vec::new();
    for (spec, v) in specs {
        let setup = w.plan_for(owner.again(), spec, w.usdc, &vendors[v]).await;
        plans.push((setup, v));
        let keys: Vec<&Pubkey> = plans.iter().map(|(p, _)| &p.plan).collect();
        assert_eq!(
            allowance(&w, &key, &owner.sol).await,
            reserved(&w, &keys, &w.sol).await,
            "after approving plan {}",
            plans.len()
        );
    }
    let keys: Vec<Pubkey> = plans.iter().map(|(p, _)| p.plan).collect();
    let key_refs: Vec<&Pubkey> = keys.iter().collect();
    assert_eq!(
        allowance(&w, &key, &owner.sol).await,
        SOL + 3 * SOL / 2 + 2 * SOL + 4 * SOL / 2
    );
    // Executed interleaved by the three vendors; plan 4 is cancelled half way.
    let order: [(usize, u8); 10] = [
        (1, 0),
        (0, 0),
        (2, 0),
        (3, 0),
        (1, 0),
        (2, 1),
        (3, 0),
        (usize::MAX, 0),
        (1, 0),
        (usize::MAX, 1),
    ];
    for (plan, step) in order {
        if plan == usize::MAX {
            if step == 0 {
                let stored = w.stored(&plans[3].0).await;
                landed(
                    w.ctx
                        .send(
                            &[ix::cancel_plan(&plans[3].0.plan, &stored)],
                            &[&owner.keypair],
                        )
                        .await,
                );
            } else {
                // The cancelled plan is refused; the others were not disturbed.
                let (p, v) = &plans[3];
                w.ctx
                    .expect_error(
                        &[w.execute_ix(p, 0)],
                        &[&vendors[*v].owner],
                        RunnerError::PlanNotActive,
                    )
                    .await;
            }
        } else {
            let (p, v) = &plans[plan];
            landed(
                w.ctx
                    .send(&[w.execute_ix(p, step)], &[&vendors[*v].owner])
                    .await,
            );
        }
        assert_eq!(
            allowance(&w, &key, &owner.sol).await,
            reserved(&w, &key_refs, &w.sol).await,
            "after {plan}/{step}"
        );
    }
    for (p, _) in &plans[..3] {
        assert!(w.stored(p).await.is_finished(), "plan {} finished", p.plan);
    }
    let held: anchor_spl::token::TokenAccount = w.ctx.get(&owner.sol).await;
    assert!(
        held.delegate.is_none(),
        "nothing is delegated once every plan is done"
    );
    assert_eq!(
        held.amount,
        OWNER_SOL - SOL - 3 * SOL / 2 - 2 * SOL - 2 * SOL / 2
    );
    // The cancelled plan released its own remainder only.
    let staging = pda::staging(&key, &w.sol).0;
    assert_eq!(w.ctx.chain.token_balance(&staging).await.unwrap(), 0);
}

#[tokio::test]
async fn adversary_custody_only_the_pinned_oracle_account_is_read() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let now = w.ctx.now().await;
    // A second fresh SOL update, 2% lower (a lower input price means less output is owed).
    let cheaper = Keypair::new().pubkey();
    w.write_price(&cheaper, pyth_feed::SOL_USD, SOL_PRICE * 98 / 100, now)
        .await;
    let mut leg = w.swap_leg(&p, 0);
    leg.price_in = cheaper;
    w.ctx
        .expect_error(
            &[execute(&p, 0, &leg)],
            &[&w.vendor.owner],
            RunnerError::OracleAccountMismatch,
        )
        .await;
    // A fresh Switchboard feed for the Pyth-pinned mint.
    let slot = w.ctx.chain.clock().await.unwrap().slot;
    w.ctx
        .chain
        .write_switchboard_feed(
            &w.sol_switchboard,
            &SwitchboardFeed {
                value: 147 * 10i128.pow(18),
                slot,
                samples: 3,
            },
        )
        .await
        .unwrap();
    let mut leg = w.swap_leg(&p, 0);
    leg.price_in = w.sol_switchboard;
    w.ctx
        .expect_error(
            &[execute(&p, 0, &leg)],
            &[&w.vendor.owner],
            RunnerError::OracleAccountMismatch,
        )
        .await;
    landed(w.execute(&p, 0).await);

    // Input and fee legs on one mint (USDC): one reading, from the one pinned account.
    let p = w.plan(vec![w.dca_usdc_step(150 * USDC, 1, 0)]).await;
    let richer = Keypair::new().pubkey();
    w.write_price(&richer, pyth_feed::USDC_USD, USDC_PRICE * 102 / 100, now)
        .await;
    let mut leg = w.swap_leg(&p, 0);
    assert_eq!(leg.price_in, leg.price_fee);
    leg.price_fee = richer;
    w.ctx
        .expect_error(
            &[execute(&p, 0, &leg)],
            &[&w.vendor.owner],
            RunnerError::OracleAccountMismatch,
        )
        .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn adversary_custody_paused_agent_cannot_execute() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.dca_sol_step(SOL, 2, 0)]).await;
    landed(
        w.ctx
            .registry()
            .set_status(&w.vendor.agent, &w.vendor.owner, TargetStatus::Paused)
            .await,
    );
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 0)],
            &[&w.vendor.owner],
            RegistryError::AgentNotActive,
        )
        .await;
    landed(
        w.ctx
            .registry()
            .set_status(&w.vendor.agent, &w.vendor.owner, TargetStatus::Active)
            .await,
    );
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn adversary_custody_revoked_certification_stops_execution() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.dca_sol_step(SOL, 2, 0)]).await;
    landed(w.execute(&p, 0).await);
    // The certifier revokes stage C (the RFPs' minimum) of the awarded version.
    landed(
        w.ctx
            .registry()
            .revoke_attestation(
                &w.vendor.agent,
                &w.vendor.version,
                Stage::C,
                0,
                &w.registry.certifiers[0],
            )
            .await,
    );
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 0)],
            &[&w.vendor.owner],
            RegistryError::NotCertified,
        )
        .await;
    // A new version certified from scratch executes again; the old one is no longer current.
    landed(
        w.ctx
            .registry()
            .publish_version(
                &w.vendor.agent,
                &w.vendor.owner,
                1,
                agentrunner_tests::fixtures::version_args_for(VENDOR_CAPABILITIES, 1, 1, 0),
            )
            .await,
    );
    w.ctx
        .expect_error(
            &[w.execute_ix(&p, 0)],
            &[&w.vendor.owner],
            RegistryError::NotCurrentVersion,
        )
        .await;
    let renewed = VendorRoot {
        owner: w.vendor.owner.insecure_clone(),
        name: w.vendor.name.clone(),
        agent: w.vendor.agent,
        version: pda::agent_version(&w.vendor.agent, 1).0,
    };
    certify(&w.ctx, &w.registry, &renewed, Stage::D).await;
    let mut step = p.steps[0];
    step.agent_version = renewed.version;
    landed(
        w.ctx
            .send(
                &[ix::execute_swap_step(&step, &w.swap_leg(&p, 0), [0; 32])],
                &[&w.vendor.owner],
            )
            .await,
    );
}

#[tokio::test]
async fn adversary_custody_wrong_decimals_are_refused_at_creation() {
    let w = RunnerWorld::new().await;
    let owner = w.funded_owner().await;
    let key = owner.keypair.pubkey();
    let mut args = w.plan_args(key, vec![w.swap_sol_step(SOL)]);
    // SOL declared with 6 decimals: min-out and caps would be off by 10^3.
    args.mints[usize::from(SOL_INDEX)].decimals = USDC_DECIMALS;
    w.ctx
        .expect_error(
            &[ix::create_plan(&key, args.clone())],
            &[&owner.keypair],
            RunnerError::MintMismatch,
        )
        .await;
    // The right decimals, but a mint account swapped for another.
    args.mints[usize::from(SOL_INDEX)].decimals = SOL_DECIMALS;
    let mut create = ix::create_plan(&key, args.clone());
    let last = create.accounts.len() - 1;
    create.accounts.swap(last - 1, last);
    w.ctx
        .expect_error(&[create], &[&owner.keypair], RunnerError::MintMismatch)
        .await;
    // A venue that is one of AgentRunner's own programs.
    let mut forbidden = args.clone();
    forbidden.venues.push(runner::ID);
    w.ctx
        .expect_error(
            &[ix::create_plan(&key, forbidden)],
            &[&owner.keypair],
            RunnerError::VenueForbidden,
        )
        .await;
    landed(
        w.ctx
            .send(&[ix::create_plan(&key, args)], &[&owner.keypair])
            .await,
    );
}

#[tokio::test]
async fn adversary_custody_voucher_cannot_pay_a_runner_redeemed_grant() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let budget = p.steps[0].budget;
    // The owner's session key on the plan's budget signs a voucher for the plan's grant.
    let session = Keypair::new();
    landed(
        w.ctx
            .escrow()
            .set_session_key(&budget, &p.owner.keypair, Some(session.pubkey()))
            .await,
    );
    let grant: Grant = w.ctx.get(&p.steps[0].grant).await;
    let voucher = Voucher {
        budget: budget.budget,
        grant: p.steps[0].grant,
        grant_issued_slot: grant.issued_slot,
        vendor: grant.vendor,
        cumulative: VENDOR_PRICE,
        expires_at: w.ctx.now().await + 3_600,
    };
    w.ctx
        .expect_error(
            &settle_vouchers_ixs(&budget, &[voucher.sign(&session)]),
            &[],
            EscrowError::ProgramRedeemedGrant,
        )
        .await;
    landed(w.execute(&p, 0).await);
}

#[tokio::test]
async fn adversary_custody_staging_closes_only_when_no_plan_can_sell_the_mint() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let owner = &p.owner.keypair;
    let staging = pda::staging(&owner.pubkey(), &w.sol).0;
    let close = ix::close_staging(&owner.pubkey(), &w.sol);
    // While the plan may still sell SOL, its staging account stays.
    w.ctx
        .expect_error(
            std::slice::from_ref(&close),
            &[owner],
            RunnerError::StagingInUse,
        )
        .await;
    // A stranger's donation to staging neither blocks the execution nor is lost.
    w.ctx.chain.mint_to(&w.sol, &staging, 7).await.unwrap();
    landed(w.execute(&p, 0).await);
    let rent = w.ctx.chain.balance(&staging).await.unwrap();
    let lamports = w.ctx.chain.balance(&owner.pubkey()).await.unwrap();
    landed(w.ctx.send_paid_by(owner, &[close]).await);
    assert!(w.ctx.chain.account(&staging).await.unwrap().is_none());
    assert_eq!(
        w.ctx.chain.token_balance(&p.owner.sol).await.unwrap(),
        OWNER_SOL - SOL + 7
    );
    assert_eq!(
        w.ctx.chain.balance(&owner.pubkey()).await.unwrap(),
        lamports + rent - 5_000
    );
}
