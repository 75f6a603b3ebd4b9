//! award (R-01..R-04): manual award with front-running protection.
use agent_registry::state::Stage;
use agentrunner_client::ix::market as ix;
use agentrunner_tests::{
    context::landed,
    fixtures::{
        bidder, certified_vendor, offer_terms, open_any_rfp, open_rfp, rfp_args, setup_registry,
        submit_offer, submit_offer_with,
    },
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use market::{
    error::MarketError,
    instructions::AwardArgs,
    state::{Rfp, RfpStatus},
};
use solana_signer::Signer;

fn args(price: u64, version: u32) -> AwardArgs {
    AwardArgs {
        expected_price: price,
        expected_version: version,
    }
}

#[tokio::test]
async fn test_award_ok_freezes_terms() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let vendor = certified_vendor(&ctx, &registry, "FastRoute").await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let offer = submit_offer(&ctx, &rfp, &vendor, 30_000).await;
    // The requester may accept before the bid deadline.
    landed(
        ctx.send(
            &[ix::award(
                &rfp,
                &offer,
                bidder(&vendor),
                &requester.pubkey(),
                args(30_000, 1),
            )],
            &[&requester],
        )
        .await,
    );
    let state: Rfp = ctx.get(&rfp).await;
    let RfpStatus::Awarded(award) = state.status else {
        panic!("not awarded: {:?}", state.status)
    };
    assert_eq!(
        (award.offer, award.agent, award.vendor, award.payout),
        (
            offer,
            vendor.agent,
            vendor.owner.pubkey(),
            vendor.owner.pubkey()
        )
    );
    assert_eq!(
        (award.price, award.offer_version, award.at),
        (30_000, 1, now)
    );
    assert_eq!(state.version, 1);
}

#[tokio::test]
async fn test_award_rejections() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let a = certified_vendor(&ctx, &registry, "A").await;
    let b = certified_vendor(&ctx, &registry, "B").await;
    let requester = ctx.wallet().await;
    let me = requester.pubkey();
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let other = open_rfp(
        &ctx,
        &requester,
        rfp_args(Pubkey::new_unique(), 1, Pubkey::new_unique(), now, 600),
    )
    .await;
    let offer_a = submit_offer(&ctx, &rfp, &a, 30_000).await;
    let offer_b_other = submit_offer(&ctx, &other, &b, 10_000).await;
    let s = [&requester];

    // not the requester; an offer of another RFP; the agent not the offer's.
    let stranger = ctx.wallet().await;
    let ixs = [ix::award(
        &rfp,
        &offer_a,
        bidder(&a),
        &stranger.pubkey(),
        args(30_000, 1),
    )];
    ctx.expect_error(&ixs, &[&stranger], MarketError::Unauthorized)
        .await;
    ctx.expect_error(
        &[ix::award(
            &rfp,
            &offer_b_other,
            bidder(&b),
            &me,
            args(10_000, 1),
        )],
        &s,
        MarketError::OfferRfpMismatch,
    )
    .await;
    ctx.expect_error(
        &[ix::award(&rfp, &offer_a, bidder(&b), &me, args(30_000, 1))],
        &s,
        MarketError::AgentMismatch,
    )
    .await;

    // the vendor raises its price after the requester looked: the stale award fails.
    landed(
        ctx.send(
            &[ix::update_offer(
                &rfp,
                &offer_a,
                &a.owner.pubkey(),
                offer_terms(60_000, now),
            )],
            &[&a.owner],
        )
        .await,
    );
    ctx.expect_error(
        &[ix::award(&rfp, &offer_a, bidder(&a), &me, args(30_000, 1))],
        &s,
        MarketError::OfferChanged,
    )
    .await;
    ctx.expect_error(
        &[ix::award(&rfp, &offer_a, bidder(&a), &me, args(60_000, 1))],
        &s,
        MarketError::OfferChanged,
    )
    .await;

    // A certificate revoked after bidding blocks the award.
    landed(
        ctx.registry()
            .revoke_attestation(&a.agent, &a.version, Stage::C, 0, &registry.admin)
            .await,
    );
    ctx.expect_error(
        &[ix::award(&rfp, &offer_a, bidder(&a), &me, args(60_000, 2))],
        &s,
        agent_registry::error::RegistryError::NotCertified,
    )
    .await;

    // a second award of an awarded RFP.
    let c = certified_vendor(&ctx, &registry, "C").await;
    let offer_c = submit_offer(&ctx, &rfp, &c, 20_000).await;
    landed(
        ctx.send(
            &[ix::award(&rfp, &offer_c, bidder(&c), &me, args(20_000, 3))],
            &s,
        )
        .await,
    );
    ctx.expect_error(
        &[ix::award(&rfp, &offer_c, bidder(&c), &me, args(20_000, 3))],
        &s,
        MarketError::RfpNotOpen,
    )
    .await;

    // withdrawing and re-bidding after the award cannot reopen the RFP.
    landed(
        ctx.send(
            &[ix::withdraw_offer(&rfp, &offer_c, &c.owner.pubkey())],
            &[&c.owner],
        )
        .await,
    );
    let ixs = [ix::submit_offer(
        &rfp,
        bidder(&c),
        &c.owner.pubkey(),
        offer_terms(1, now),
    )];
    ctx.expect_error(&ixs, &[&c.owner], MarketError::RfpNotOpen)
        .await;
}

#[tokio::test]
async fn test_award_expired_offer_or_rfp() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let vendor = certified_vendor(&ctx, &registry, "FastRoute").await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 60).await;
    let mut terms = offer_terms(1_000, now);
    terms.expires_at = now + 30;
    let offer = submit_offer_with(&ctx, &rfp, &vendor, terms).await;
    ctx.warp_seconds(30).await;
    let award = [ix::award(
        &rfp,
        &offer,
        bidder(&vendor),
        &requester.pubkey(),
        args(1_000, 1),
    )];
    ctx.expect_error(&award, &[&requester], MarketError::OfferExpired)
        .await;
    ctx.warp_seconds(30 + 86_400).await; // now == execution_deadline
    ctx.expect_error(&award, &[&requester], MarketError::RfpExpired)
        .await;
}

/// L6: withdrawing and resubmitting an offer once reset its version, so an award prepared on the
/// old terms could land on the new ones. Versions now come from the RFP's counter.
#[tokio::test]
async fn adversary_l6_resubmitted_offer_never_reuses_a_version() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let vendor = certified_vendor(&ctx, &registry, "FastRoute").await;
    let requester = ctx.wallet().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let offer = submit_offer(&ctx, &rfp, &vendor, 30_000).await;
    let seen = ctx.get::<market::state::Offer>(&offer).await.version;
    // The requester prepares the award on what it saw; meanwhile the vendor withdraws and bids
    // again at the same price with other terms (a slower promise).
    landed(
        ctx.send(
            &[ix::withdraw_offer(&rfp, &offer, &vendor.owner.pubkey())],
            &[&vendor.owner],
        )
        .await,
    );
    let mut terms = offer_terms(30_000, ctx.now().await);
    terms.eta_ms = 60_000;
    submit_offer_with(&ctx, &rfp, &vendor, terms).await;
    let resubmitted = ctx.get::<market::state::Offer>(&offer).await.version;
    assert!(resubmitted > seen, "{resubmitted} > {seen}");
    ctx.expect_error(
        &[ix::award(
            &rfp,
            &offer,
            bidder(&vendor),
            &requester.pubkey(),
            args(30_000, seen),
        )],
        &[&requester],
        MarketError::OfferChanged,
    )
    .await;
    landed(
        ctx.send(
            &[ix::award(
                &rfp,
                &offer,
                bidder(&vendor),
                &requester.pubkey(),
                args(30_000, resubmitted),
            )],
            &[&requester],
        )
        .await,
    );
}
