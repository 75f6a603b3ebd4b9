//! open_rfp, submit_offer, update_offer, withdraw_offer (R-05, certification gates, late bids).
use agent_registry::{
    constants::capability, error::RegistryError, instructions::TargetStatus, state::Stage,
};
use agentrunner_client::{ix::market as ix, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{
        bidder, certified_vendor, certify, offer_terms, open_any_rfp, open_rfp, rfp_args,
        setup_registry, setup_vendor, setup_vendor_with, submit_offer, version_args,
    },
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use market::{
    constants::MAX_OFFERS_PER_RFP,
    error::MarketError,
    state::{Offer, Rfp, RfpStatus},
};
use solana_signer::Signer;

#[tokio::test]
async fn test_open_rfp_ok_and_invalid_terms() {
    let ctx = TestContext::new().await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let plan = Pubkey::new_unique();
    let rfp = open_rfp(
        &ctx,
        &requester,
        rfp_args(plan, 0, Pubkey::new_unique(), now, 60),
    )
    .await;
    let state: Rfp = ctx.get(&rfp).await;
    assert_eq!(
        (state.requester, state.plan, state.step),
        (requester.pubkey(), plan, 0)
    );
    assert_eq!(state.status, RfpStatus::Open);
    assert_eq!((state.offer_count, state.version), (0, 0));
    assert_eq!(state.bump, pda::rfp(&requester.pubkey(), &plan, 0).1);

    let me = requester.pubkey();
    let base = rfp_args(plan, 1, Pubkey::new_unique(), now, 60);
    let cases = [
        (
            market::instructions::OpenRfpArgs {
                max_price: 0,
                ..base
            },
            MarketError::InvalidTerms,
        ),
        (
            market::instructions::OpenRfpArgs {
                capability: 0,
                ..base
            },
            MarketError::InvalidTerms,
        ),
        (
            market::instructions::OpenRfpArgs {
                capability: 1 << 50,
                ..base
            },
            MarketError::InvalidTerms,
        ),
        (
            market::instructions::OpenRfpArgs {
                bid_deadline: now,
                ..base
            },
            MarketError::InvalidDeadlines,
        ),
        (
            market::instructions::OpenRfpArgs {
                execution_deadline: base.bid_deadline - 1,
                ..base
            },
            MarketError::InvalidDeadlines,
        ),
        (
            market::instructions::OpenRfpArgs {
                execution_deadline: now + 31 * 86_400,
                ..base
            },
            MarketError::InvalidDeadlines,
        ),
    ];
    for (args, error) in cases {
        ctx.expect_error(&[ix::open_rfp(&me, args)], &[&requester], error)
            .await;
    }
}

#[tokio::test]
async fn test_submit_offer_ok() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let vendor = certified_vendor(&ctx, &registry, "FastRoute").await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 60).await;
    let offer = submit_offer(&ctx, &rfp, &vendor, 42_000).await;
    let state: Offer = ctx.get(&offer).await;
    assert_eq!(
        (state.rfp, state.agent, state.vendor),
        (rfp, vendor.agent, vendor.owner.pubkey())
    );
    assert_eq!(
        (state.price, state.version, state.submitted_at),
        (42_000, 1, now)
    );
    assert_eq!(ctx.get::<Rfp>(&rfp).await.offer_count, 1);
    // the vendor paid the offer's rent.
    let rent = ctx.chain.balance(&offer).await.unwrap();
    assert_eq!(
        rent,
        ctx.chain
            .rent()
            .minimum_balance(ctx.chain.account(&offer).await.unwrap().unwrap().data.len())
    );
}

#[tokio::test]
async fn test_only_certified_active_capable_current_agents_bid() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 3_600).await;
    let bid = |vendor: &agentrunner_tests::fixtures::VendorRoot| {
        [ix::submit_offer(
            &rfp,
            bidder(vendor),
            &vendor.owner.pubkey(),
            offer_terms(1_000, now),
        )]
    };

    let uncertified = setup_vendor(&ctx, "Fresh").await;
    ctx.expect_error(
        &bid(&uncertified),
        &[&uncertified.owner],
        RegistryError::NotCertified,
    )
    .await;
    certify(&ctx, &registry, &uncertified, Stage::B).await; // below the RFP's stage C
    ctx.expect_error(
        &bid(&uncertified),
        &[&uncertified.owner],
        RegistryError::NotCertified,
    )
    .await;

    let data_only = setup_vendor_with(&ctx, "DataOnly", capability::DATA).await;
    certify(&ctx, &registry, &data_only, Stage::D).await;
    ctx.expect_error(
        &bid(&data_only),
        &[&data_only.owner],
        RegistryError::CapabilityMissing,
    )
    .await;

    let paused = certified_vendor(&ctx, &registry, "Paused").await;
    landed(
        ctx.registry()
            .set_status(&paused.agent, &paused.owner, TargetStatus::Paused)
            .await,
    );
    ctx.expect_error(
        &bid(&paused),
        &[&paused.owner],
        RegistryError::AgentNotActive,
    )
    .await;

    let retired = certified_vendor(&ctx, &registry, "Retired").await;
    landed(
        ctx.registry()
            .set_status(&retired.agent, &retired.owner, TargetStatus::Retired)
            .await,
    );
    ctx.expect_error(
        &bid(&retired),
        &[&retired.owner],
        RegistryError::AgentNotActive,
    )
    .await;

    // A newer uncertified version makes the old certificate useless; bidding with the old
    // version account is refused too.
    let upgraded = certified_vendor(&ctx, &registry, "Upgraded").await;
    landed(
        ctx.registry()
            .publish_version(&upgraded.agent, &upgraded.owner, 1, version_args(2, 0, 0))
            .await,
    );
    ctx.expect_error(
        &bid(&upgraded),
        &[&upgraded.owner],
        RegistryError::NotCurrentVersion,
    )
    .await;

    // Revoked certification.
    let revoked = certified_vendor(&ctx, &registry, "Revoked").await;
    landed(
        ctx.registry()
            .revoke_attestation(
                &revoked.agent,
                &revoked.version,
                Stage::C,
                0,
                &registry.admin,
            )
            .await,
    );
    ctx.expect_error(
        &bid(&revoked),
        &[&revoked.owner],
        RegistryError::NotCertified,
    )
    .await;

    // Someone else cannot bid with a certified agent they do not own.
    let good = certified_vendor(&ctx, &registry, "Good").await;
    let stranger = ctx.wallet().await;
    let ixs = [ix::submit_offer(
        &rfp,
        bidder(&good),
        &stranger.pubkey(),
        offer_terms(1_000, now),
    )];
    ctx.expect_error(&ixs, &[&stranger], MarketError::NotVendor)
        .await;
    landed(ctx.send(&bid(&good), &[&good.owner]).await);
}

#[tokio::test]
async fn test_submit_offer_terms_deadline_duplicates_and_cap() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let vendor = certified_vendor(&ctx, &registry, "V0").await;
    let bid = |terms| {
        [ix::submit_offer(
            &rfp,
            bidder(&vendor),
            &vendor.owner.pubkey(),
            terms,
        )]
    };
    let s = [&vendor.owner];
    ctx.expect_error(&bid(offer_terms(0, now)), &s, MarketError::InvalidPrice)
        .await;
    ctx.expect_error(
        &bid(offer_terms(100_001, now)),
        &s,
        MarketError::InvalidPrice,
    )
    .await;
    let mut terms = offer_terms(5, now);
    terms.success_rate_bps = 10_001;
    ctx.expect_error(&bid(terms), &s, MarketError::InvalidOfferTerms)
        .await;
    let mut terms = offer_terms(5, now);
    terms.expires_at = now;
    ctx.expect_error(&bid(terms), &s, MarketError::InvalidOfferTerms)
        .await;
    landed(ctx.send(&bid(offer_terms(100_000, now)), &s).await);
    // One offer per agent.
    ctx.expect_error(&bid(offer_terms(10, now)), &s, 0u32).await;

    // a cap of MAX_OFFERS_PER_RFP live offers.
    for i in 1..MAX_OFFERS_PER_RFP {
        let v = certified_vendor(&ctx, &registry, &format!("V{i}")).await;
        submit_offer(&ctx, &rfp, &v, 1_000).await;
    }
    let extra = certified_vendor(&ctx, &registry, "Extra").await;
    let ixs = [ix::submit_offer(
        &rfp,
        bidder(&extra),
        &extra.owner.pubkey(),
        offer_terms(1, now),
    )];
    // Full: a new offer must name one to evict (see adversary_m4_*).
    ctx.expect_error(&ixs, &[&extra.owner], MarketError::RfpFull)
        .await;
    // Late bids (once a slot frees up): at now == bid_deadline.
    let offer = pda::offer(&rfp, &vendor.agent).0;
    landed(
        ctx.send(
            &[ix::withdraw_offer(&rfp, &offer, &vendor.owner.pubkey())],
            &s,
        )
        .await,
    );
    ctx.warp_seconds(600).await;
    let ixs = [ix::submit_offer(
        &rfp,
        bidder(&extra),
        &extra.owner.pubkey(),
        offer_terms(1, ctx.now().await),
    )];
    ctx.expect_error(&ixs, &[&extra.owner], MarketError::BidDeadlinePassed)
        .await;
}

#[tokio::test]
async fn test_update_and_withdraw_offer() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let vendor = certified_vendor(&ctx, &registry, "FastRoute").await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let offer = submit_offer(&ctx, &rfp, &vendor, 50_000).await;
    let me = vendor.owner.pubkey();
    landed(
        ctx.send(
            &[ix::update_offer(
                &rfp,
                &offer,
                &me,
                offer_terms(45_000, now),
            )],
            &[&vendor.owner],
        )
        .await,
    );
    let state: Offer = ctx.get(&offer).await;
    assert_eq!((state.price, state.version), (45_000, 2));

    let stranger = ctx.wallet().await;
    let ixs = [ix::update_offer(
        &rfp,
        &offer,
        &stranger.pubkey(),
        offer_terms(1, now),
    )];
    ctx.expect_error(&ixs, &[&stranger], MarketError::NotVendor)
        .await;
    let ixs = [ix::withdraw_offer(&rfp, &offer, &stranger.pubkey())];
    ctx.expect_error(&ixs, &[&stranger], MarketError::NotVendor)
        .await;

    let rent = ctx.chain.balance(&offer).await.unwrap();
    let before = ctx.chain.balance(&me).await.unwrap();
    landed(
        ctx.send(&[ix::withdraw_offer(&rfp, &offer, &me)], &[&vendor.owner])
            .await,
    );
    assert_eq!(ctx.chain.balance(&me).await.unwrap(), before + rent);
    assert_eq!(ctx.get::<Rfp>(&rfp).await.offer_count, 0);

    // Re-bid, then the deadline passes: no more updates.
    let offer = submit_offer(&ctx, &rfp, &vendor, 50_000).await;
    ctx.warp_seconds(600).await;
    let ixs = [ix::update_offer(
        &rfp,
        &offer,
        &me,
        offer_terms(1, ctx.now().await),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], MarketError::BidDeadlinePassed)
        .await;
}
