//! cancel_rfp, close_offer, close_rfp: rent returns to whoever paid it.
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

#[tokio::test]
async fn test_cancel_rfp_rules() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let vendor = certified_vendor(&ctx, &registry, "FastRoute").await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let stranger = ctx.wallet().await;
    ctx.expect_error(
        &[ix::cancel_rfp(&rfp, &stranger.pubkey())],
        &[&stranger],
        MarketError::Unauthorized,
    )
    .await;
    landed(
        ctx.send(&[ix::cancel_rfp(&rfp, &requester.pubkey())], &[&requester])
            .await,
    );
    let state: Rfp = ctx.get(&rfp).await;
    assert_eq!(state.status, RfpStatus::Cancelled { at: now });
    assert_eq!(state.version, 1);
    ctx.expect_error(
        &[ix::cancel_rfp(&rfp, &requester.pubkey())],
        &[&requester],
        MarketError::RfpNotOpen,
    )
    .await;
    // No bids on a cancelled RFP.
    let ixs = [ix::submit_offer(
        &rfp,
        bidder(&vendor),
        &vendor.owner.pubkey(),
        offer_terms(1, now),
    )];
    ctx.expect_error(&ixs, &[&vendor.owner], MarketError::RfpNotOpen)
        .await;

    // Not after an award.
    let rfp = open_rfp(
        &ctx,
        &requester,
        rfp_args(Pubkey::new_unique(), 1, Pubkey::new_unique(), now, 600),
    )
    .await;
    let offer = submit_offer(&ctx, &rfp, &vendor, 5_000).await;
    let award = ix::award(
        &rfp,
        &offer,
        bidder(&vendor),
        &requester.pubkey(),
        AwardArgs {
            expected_price: 5_000,
            // The RFP's first offer version.
            expected_version: 1,
        },
    );
    landed(ctx.send(&[award], &[&requester]).await);
    ctx.expect_error(
        &[ix::cancel_rfp(&rfp, &requester.pubkey())],
        &[&requester],
        MarketError::RfpNotOpen,
    )
    .await;
}

#[tokio::test]
async fn test_close_offer_and_rfp_return_rent_to_payers() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let a = certified_vendor(&ctx, &registry, "A").await;
    let b = certified_vendor(&ctx, &registry, "B").await;
    let requester = ctx.wallet().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let offer_a = submit_offer(&ctx, &rfp, &a, 5_000).await;
    let offer_b = submit_offer(&ctx, &rfp, &b, 6_000).await;

    // While the RFP is open and the offer valid, nobody but the vendor can remove it.
    ctx.expect_error(
        &[ix::close_offer(&rfp, &offer_b, &b.owner.pubkey())],
        &[],
        MarketError::OfferStillLive,
    )
    .await;
    ctx.expect_error(
        &[ix::close_rfp(&rfp, &requester.pubkey())],
        &[],
        MarketError::RfpStillLive,
    )
    .await;

    let award = ix::award(
        &rfp,
        &offer_a,
        bidder(&a),
        &requester.pubkey(),
        AwardArgs {
            expected_price: 5_000,
            // The RFP's first offer version.
            expected_version: 1,
        },
    );
    landed(ctx.send(&[award], &[&requester]).await);
    // Rent only to the vendor that paid it.
    let thief = ctx.wallet().await;
    ctx.expect_error(
        &[ix::close_offer(&rfp, &offer_b, &thief.pubkey())],
        &[],
        MarketError::RentReceiverMismatch,
    )
    .await;
    for (offer, vendor) in [(offer_a, &a), (offer_b, &b)] {
        let rent = ctx.chain.balance(&offer).await.unwrap();
        let before = ctx.chain.balance(&vendor.owner.pubkey()).await.unwrap();
        landed(
            ctx.send(
                &[ix::close_offer(&rfp, &offer, &vendor.owner.pubkey())],
                &[],
            )
            .await,
        );
        assert_eq!(
            ctx.chain.balance(&vendor.owner.pubkey()).await.unwrap(),
            before + rent
        );
    }
    // An awarded RFP stays (the runner reads it) until its execution deadline.
    ctx.expect_error(
        &[ix::close_rfp(&rfp, &requester.pubkey())],
        &[],
        MarketError::RfpStillLive,
    )
    .await;
    ctx.warp_seconds(600 + 86_400).await;
    ctx.expect_error(
        &[ix::close_rfp(&rfp, &thief.pubkey())],
        &[],
        MarketError::RentReceiverMismatch,
    )
    .await;
    let rent = ctx.chain.balance(&rfp).await.unwrap();
    let before = ctx.chain.balance(&requester.pubkey()).await.unwrap();
    landed(
        ctx.send(&[ix::close_rfp(&rfp, &requester.pubkey())], &[])
            .await,
    );
    assert_eq!(
        ctx.chain.balance(&requester.pubkey()).await.unwrap(),
        before + rent
    );
    assert!(ctx.chain.account(&rfp).await.unwrap().is_none());
}

#[tokio::test]
async fn test_expired_offer_can_be_cranked_closed() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let vendor = certified_vendor(&ctx, &registry, "A").await;
    let requester = ctx.wallet().await;
    let now = ctx.now().await;
    let rfp = open_any_rfp(&ctx, &requester, 600).await;
    let mut terms = offer_terms(5_000, now);
    terms.expires_at = now + 10;
    let offer = submit_offer_with(&ctx, &rfp, &vendor, terms).await;
    ctx.warp_seconds(10).await;
    landed(
        ctx.send(
            &[ix::close_offer(&rfp, &offer, &vendor.owner.pubkey())],
            &[],
        )
        .await,
    );
    assert_eq!(ctx.get::<Rfp>(&rfp).await.offer_count, 0);
}
