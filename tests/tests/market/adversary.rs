//! Market attacks that cost the attacker almost nothing before the fixes (issue "Market,
//! registry and receipts hold up against adversaries who pay nothing real"): excluding a rival
//! from `award_best` (H1), farming reputation by self-dealing (H3), squatting an RFP's offer
//! slots (M4, docs/SECURITY-TESTPLAN.md R-05), and winning on price or claims alone (L2). Every refusal
//! asserts the exact error and byte-identical accounts.
use agent_registry::{
    constants::{capability, guard},
    instructions::RecordOutcomeArgs,
    state::Stage,
};
use agentrunner_client::{ix::market as ix, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{
        bidder, certified_vendor, certify, certify_with_guards, offer_terms, open_any_rfp,
        setup_registry, setup_vendor, submit_offer, submit_offer_with, version_args, RegistrySetup,
        VendorRoot,
    },
    TestContext,
};
use anchor_lang::{prelude::AccountMeta, prelude::Pubkey};
use market::{
    constants::MAX_OFFERS_PER_RFP,
    error::MarketError,
    state::{Rfp, RfpStatus},
};
use solana_keypair::Keypair;
use solana_signer::Signer;

async fn winner(ctx: &TestContext, rfp: &Pubkey) -> Pubkey {
    match ctx.get::<Rfp>(rfp).await.status {
        RfpStatus::Awarded(award) => award.agent,
        other => panic!("not awarded: {other:?}"),
    }
}

/// `count` $150 swap outcomes for `vendor`, each from a payer `payer(n)`, recorded by the
/// registry's recorder (the runner's role), three per transaction.
async fn paid_outcomes(
    ctx: &TestContext,
    registry: &RegistrySetup,
    vendor: &VendorRoot,
    count: u32,
    payer: impl Fn(u32) -> Pubkey,
) {
    let ixs: Vec<_> = (0..count)
        .map(|n| {
            agentrunner_client::ix::registry::record_outcome(
                &vendor.agent,
                &registry.recorder().pubkey(),
                &registry.recorder().pubkey(),
                RecordOutcomeArgs {
                    success: true,
                    realized_slippage_bps: 0,
                    receipt_leaf: [(n % 250) as u8 + 1; 32],
                    capability: capability::SWAP,
                    payer: payer(n),
                    value_micro_usd: 150_000_000,
                },
            )
        })
        .collect();
    for chunk in ixs.chunks(3) {
        landed(ctx.send(chunk, &[registry.recorder()]).await);
    }
}

#[tokio::test]
async fn adversary_h1_stale_version_triplet() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let requester = ctx.wallet().await;
    let rfp = open_any_rfp(&ctx, &requester, 60).await;
    let attacker = certified_vendor(&ctx, &registry, "Attacker").await;
    let rival = certified_vendor(&ctx, &registry, "Rival").await;
    let attacker_offer = submit_offer(&ctx, &rfp, &attacker, 90_000).await;
    let rival_offer = submit_offer(&ctx, &rfp, &rival, 60_000).await;
    // The rival upgrades (version 1, certified): version 0 stays on chain.
    landed(
        ctx.registry()
            .publish_version(&rival.agent, &rival.owner, 1, version_args(1, 1, 0))
            .await,
    );
    let upgraded = VendorRoot {
        owner: rival.owner.insecure_clone(),
        name: rival.name.clone(),
        agent: rival.agent,
        version: pda::agent_version(&rival.agent, 1).0,
    };
    certify(&ctx, &registry, &upgraded, Stage::D).await;
    ctx.warp_seconds(60).await;
    // The attack: the rival's stale version 0, which used to make award_best skip the cheaper
    // offer and award the attacker's.
    let caller = ctx.wallet().await;
    let stale = [
        (attacker_offer, bidder(&attacker)),
        (rival_offer, bidder(&rival)),
    ];
    ctx.expect_error(
        &[ix::award_best(&rfp, &caller.pubkey(), &stale)],
        &[&caller],
        MarketError::StaleCandidateVersion,
    )
    .await;
    let current = [
        (attacker_offer, bidder(&attacker)),
        (rival_offer, bidder(&upgraded)),
    ];
    landed(
        ctx.send(
            &[ix::award_best(&rfp, &caller.pubkey(), &current)],
            &[&caller],
        )
        .await,
    );
    assert_eq!(winner(&ctx, &rfp).await, rival.agent);
}

#[tokio::test]
async fn adversary_h3_self_dealt_volume_loses_to_independent_payers() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let farmer = certified_vendor(&ctx, &registry, "Farmer").await;
    let honest = certified_vendor(&ctx, &registry, "Honest").await;
    // The farmer pays itself: 120 executions from its own key and 120 from one Sybil wallet
    // (the unit test `ten_thousand_self_dealt_executions_lose_to_twenty_independent_payers` runs
    // the same rule over 10,000).
    let owner = farmer.owner.pubkey();
    paid_outcomes(&ctx, &registry, &farmer, 120, |_| owner).await;
    let sybil = Keypair::new().pubkey();
    paid_outcomes(&ctx, &registry, &farmer, 120, |_| sybil).await;
    // The honest vendor: 20 executions, 20 distinct payers.
    let payers: Vec<Pubkey> = (0..20).map(|_| Keypair::new().pubkey()).collect();
    paid_outcomes(&ctx, &registry, &honest, 20, |n| payers[n as usize]).await;

    let requester = ctx.wallet().await;
    let rfp = open_any_rfp(&ctx, &requester, 60).await;
    let farmer_offer = submit_offer(&ctx, &rfp, &farmer, 70_000).await;
    let honest_offer = submit_offer(&ctx, &rfp, &honest, 70_000).await;
    ctx.warp_seconds(60).await;
    let caller = ctx.wallet().await;
    landed(
        ctx.send(
            &[ix::award_best(
                &rfp,
                &caller.pubkey(),
                &[
                    (farmer_offer, bidder(&farmer)),
                    (honest_offer, bidder(&honest)),
                ],
            )],
            &[&caller],
        )
        .await,
    );
    assert_eq!(winner(&ctx, &rfp).await, honest.agent);
    let farmer_state: agent_registry::state::Agent = ctx.get(&farmer.agent).await;
    let honest_state: agent_registry::state::Agent = ctx.get(&honest.agent).await;
    let (f, h) = (
        farmer_state.reputation_of(capability::SWAP).unwrap(),
        honest_state.reputation_of(capability::SWAP).unwrap(),
    );
    assert_eq!((f.succeeded, f.self_dealt), (240, 120));
    assert!(h.credit >= 10 * f.credit, "{} vs {}", h.credit, f.credit);
    // Service (DATA) successes never count toward swap auctions.
    assert_eq!(
        farmer_state
            .reputation_of(capability::DATA)
            .unwrap()
            .succeeded,
        0
    );
}

/// Eight Sybil offers, each expiring just after the bid deadline.
async fn squat(ctx: &TestContext, registry: &RegistrySetup, rfp: &Pubkey) -> Vec<VendorRoot> {
    let mut sybils = Vec::new();
    for i in 0..MAX_OFFERS_PER_RFP {
        let sybil = certified_vendor(ctx, registry, &format!("Sybil{i}")).await;
        let mut terms = offer_terms(99_000, ctx.now().await);
        terms.expires_at = ctx.now().await + 61;
        submit_offer_with(ctx, rfp, &sybil, terms).await;
        sybils.push(sybil);
    }
    sybils
}

/// `submit_offer` for `vendor` on a full RFP, naming `victim`'s offer to evict.
fn evicting(
    rfp: &Pubkey,
    vendor: &VendorRoot,
    victim: &VendorRoot,
    price: u64,
    now: i64,
) -> anchor_lang::solana_program::instruction::Instruction {
    let mut submit = ix::submit_offer(
        rfp,
        bidder(vendor),
        &vendor.owner.pubkey(),
        offer_terms(price, now),
    );
    submit.accounts.extend([
        AccountMeta::new(pda::offer(rfp, &victim.agent).0, false),
        AccountMeta::new_readonly(victim.agent, false),
        AccountMeta::new_readonly(victim.version, false),
        AccountMeta::new(victim.owner.pubkey(), false),
    ]);
    submit
}

#[tokio::test]
async fn adversary_m4_squatted_rfp_still_admits_a_better_offer() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let requester = ctx.wallet().await;
    let rfp = open_any_rfp(&ctx, &requester, 60).await;
    let sybils = squat(&ctx, &registry, &rfp).await;
    let honest = certified_vendor(&ctx, &registry, "Honest").await;
    let now = ctx.now().await;
    // A full RFP with no offer named to evict refuses the newcomer (R-05: no silent lockout, a
    // clear error) ...
    ctx.expect_error(
        &[ix::submit_offer(
            &rfp,
            bidder(&honest),
            &honest.owner.pubkey(),
            offer_terms(98_000, now),
        )],
        &[&honest.owner],
        MarketError::RfpFull,
    )
    .await;
    // ... a newcomer that is not better cannot push anyone out ...
    ctx.expect_error(
        &[evicting(&rfp, &honest, &sybils[0], 100_000, now)],
        &[&honest.owner],
        MarketError::NotEvictable,
    )
    .await;
    // ... and a better one takes a place; the evicted vendor gets its rent back.
    let rent = ctx
        .chain
        .balance(&pda::offer(&rfp, &sybils[0].agent).0)
        .await
        .unwrap();
    let before = ctx.chain.balance(&sybils[0].owner.pubkey()).await.unwrap();
    landed(
        ctx.send(
            &[evicting(&rfp, &honest, &sybils[0], 98_000, now)],
            &[&honest.owner],
        )
        .await,
    );
    assert_eq!(
        ctx.chain.balance(&sybils[0].owner.pubkey()).await.unwrap(),
        before + rent
    );
    assert!(ctx
        .chain
        .account(&pda::offer(&rfp, &sybils[0].agent).0)
        .await
        .unwrap()
        .is_none());
    assert_eq!(ctx.get::<Rfp>(&rfp).await.offer_count, MAX_OFFERS_PER_RFP);
    // The Sybils expire at the deadline; the squat ends with the honest award.
    ctx.warp_seconds(61).await;
    let caller = ctx.wallet().await;
    let mut candidates: Vec<_> = sybils[1..]
        .iter()
        .map(|s| (pda::offer(&rfp, &s.agent).0, bidder(s)))
        .collect();
    candidates.push((pda::offer(&rfp, &honest.agent).0, bidder(&honest)));
    landed(
        ctx.send(
            &[ix::award_best(&rfp, &caller.pubkey(), &candidates)],
            &[&caller],
        )
        .await,
    );
    assert_eq!(winner(&ctx, &rfp).await, honest.agent);
}

#[tokio::test]
async fn adversary_m4_an_expired_or_decertified_offer_is_always_evictable() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let requester = ctx.wallet().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let sybils = squat(&ctx, &registry, &rfp).await;
    ctx.warp_seconds(61).await;
    // Expired: even a pricier newcomer takes its place.
    let late = certified_vendor(&ctx, &registry, "Late").await;
    let now = ctx.now().await;
    landed(
        ctx.send(
            &[evicting(&rfp, &late, &sybils[0], 100_000, now)],
            &[&late.owner],
        )
        .await,
    );
    // Decertified: its agent paused.
    let lively = setup_vendor(&ctx, "Lively").await;
    certify(&ctx, &registry, &lively, Stage::D).await;
    landed(
        ctx.registry()
            .set_status(
                &sybils[1].agent,
                &sybils[1].owner,
                agent_registry::instructions::TargetStatus::Paused,
            )
            .await,
    );
    landed(
        ctx.send(
            &[evicting(&rfp, &lively, &sybils[1], 100_000, now)],
            &[&lively.owner],
        )
        .await,
    );
    assert_eq!(ctx.get::<Rfp>(&rfp).await.offer_count, MAX_OFFERS_PER_RFP);
}

#[tokio::test]
async fn adversary_l2_one_atom_bid_and_claimed_guards_do_not_win() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let requester = ctx.wallet().await;
    let rfp = open_any_rfp(&ctx, &requester, 60).await;
    // An established vendor (20 payers) at 90% of the maximum price ...
    let established = certified_vendor(&ctx, &registry, "Established").await;
    let payers: Vec<Pubkey> = (0..20).map(|_| Keypair::new().pubkey()).collect();
    paid_outcomes(&ctx, &registry, &established, 20, |n| payers[n as usize]).await;
    let established_offer = submit_offer(&ctx, &rfp, &established, 90_000).await;
    // ... against a new agent bidding one atom, certified for the slippage guard only.
    let newcomer = setup_vendor(&ctx, "Newcomer").await;
    certify_with_guards(&ctx, &registry, &newcomer, Stage::D, guard::SLIPPAGE).await;
    let now = ctx.now().await;
    // It cannot claim guards it was not certified for ...
    ctx.expect_error(
        &[ix::submit_offer(
            &rfp,
            bidder(&newcomer),
            &newcomer.owner.pubkey(),
            offer_terms(1, now),
        )],
        &[&newcomer.owner],
        MarketError::GuardsNotCertified,
    )
    .await;
    let mut honest_terms = offer_terms(1, now);
    honest_terms.guard_compat = guard::SLIPPAGE;
    let newcomer_offer = submit_offer_with(&ctx, &rfp, &newcomer, honest_terms).await;
    ctx.warp_seconds(60).await;
    let caller = ctx.wallet().await;
    landed(
        ctx.send(
            &[ix::award_best(
                &rfp,
                &caller.pubkey(),
                &[
                    (established_offer, bidder(&established)),
                    (newcomer_offer, bidder(&newcomer)),
                ],
            )],
            &[&caller],
        )
        .await,
    );
    // 9,995 bps x 10,000 / 90,000  vs  5,000 bps x 5,000 (1 of 2 required guards) / 50,000.
    assert_eq!(winner(&ctx, &rfp).await, established.agent);
}
