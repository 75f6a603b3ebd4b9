//! award_best: permissionless best-utility award over every live offer.
use agent_registry::instructions::{RecordOutcomeArgs, TargetStatus};
use agentrunner_client::ix::market as ix;
use agentrunner_tests::{
    context::landed,
    fixtures::{
        bidder, certified_vendor, open_any_rfp, open_rfp, rfp_args, setup_registry, submit_offer,
        RegistrySetup, VendorRoot,
    },
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use market::{
    error::MarketError,
    state::{Rfp, RfpStatus},
};
use solana_signer::Signer;

struct Auction {
    ctx: TestContext,
    registry: RegistrySetup,
    rfp: Pubkey,
    vendors: Vec<VendorRoot>,
    offers: Vec<Pubkey>,
}

async fn auction(prices: &[u64]) -> Auction {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let requester = ctx.wallet().await;
    let rfp = open_any_rfp(&ctx, &requester, 60).await;
    let mut vendors = Vec::new();
    let mut offers = Vec::new();
    for (i, price) in prices.iter().enumerate() {
        let vendor = certified_vendor(&ctx, &registry, &format!("Vendor{i}")).await;
        offers.push(submit_offer(&ctx, &rfp, &vendor, *price).await);
        vendors.push(vendor);
    }
    Auction {
        ctx,
        registry,
        rfp,
        vendors,
        offers,
    }
}

impl Auction {
    fn all(&self) -> Vec<(Pubkey, agentrunner_client::ix::market::Bidder)> {
        self.offers
            .iter()
            .zip(&self.vendors)
            .map(|(o, v)| (*o, bidder(v)))
            .collect()
    }

    async fn winner(&self) -> Pubkey {
        match self.ctx.get::<Rfp>(&self.rfp).await.status {
            RfpStatus::Awarded(award) => award.agent,
            other => panic!("not awarded: {other:?}"),
        }
    }
}

#[tokio::test]
async fn test_award_best_picks_highest_utility() {
    let a = auction(&[40_000, 25_000, 30_000]).await;
    let caller = a.ctx.wallet().await;
    // Before the deadline nobody can award.
    a.ctx
        .expect_error(
            &[ix::award_best(&a.rfp, &caller.pubkey(), &a.all())],
            &[&caller],
            MarketError::BiddingStillOpen,
        )
        .await;
    // Vendor2 is proven reliable: 20 paid $150 swaps from 20 payers, no failure
    // ((20 * 102,400 + 1,024) / (20 * 102,400 + 2,048) = 9,995 bps vs 5,000).
    let record: Vec<_> = (0..20)
        .map(|i| {
            agentrunner_client::ix::registry::record_outcome(
                &a.vendors[2].agent,
                &a.registry.recorder().pubkey(),
                &a.registry.recorder().pubkey(),
                RecordOutcomeArgs {
                    success: true,
                    realized_slippage_bps: 5,
                    receipt_leaf: [i; 32],
                    capability: agent_registry::constants::capability::SWAP,
                    payer: Pubkey::new_unique(),
                    value_micro_usd: 150_000_000,
                },
            )
        })
        .collect();
    for chunk in record.chunks(3) {
        landed(a.ctx.send(chunk, &[a.registry.recorder()]).await);
    }
    a.ctx.warp_seconds(60).await;
    // Accounts in any order.
    let mut reversed = a.all();
    reversed.reverse();
    landed(
        a.ctx
            .send(
                &[ix::award_best(&a.rfp, &caller.pubkey(), &reversed)],
                &[&caller],
            )
            .await,
    );
    // Prices count from half the maximum (50,000): 9,995/50,000 > 5,000/50,000, and the two
    // new agents tie on utility and split by price.
    assert_eq!(a.winner().await, a.vendors[2].agent);
}

#[tokio::test]
async fn test_award_best_skips_ineligible_offers() {
    let a = auction(&[10_000, 20_000, 30_000]).await;
    // The cheapest vendor is paused, the next one loses its certification.
    landed(
        a.ctx
            .registry()
            .set_status(
                &a.vendors[0].agent,
                &a.vendors[0].owner,
                TargetStatus::Paused,
            )
            .await,
    );
    landed(
        a.ctx
            .registry()
            .revoke_attestation(
                &a.vendors[1].agent,
                &a.vendors[1].version,
                agent_registry::state::Stage::A,
                0,
                &a.registry.admin,
            )
            .await,
    );
    a.ctx.warp_seconds(60).await;
    let caller = a.ctx.wallet().await;
    landed(
        a.ctx
            .send(
                &[ix::award_best(&a.rfp, &caller.pubkey(), &a.all())],
                &[&caller],
            )
            .await,
    );
    assert_eq!(a.winner().await, a.vendors[2].agent);
}

#[tokio::test]
async fn test_award_best_needs_every_live_offer_exactly_once() {
    let a = auction(&[10_000, 20_000, 30_000]).await;
    a.ctx.warp_seconds(60).await;
    let caller = a.ctx.wallet().await;
    let s = [&caller];
    let all = a.all();
    // A missing offer.
    a.ctx
        .expect_error(
            &[ix::award_best(&a.rfp, &caller.pubkey(), &all[1..])],
            &s,
            MarketError::OfferCountMismatch,
        )
        .await;
    // A duplicated offer in place of the missing one (count matches).
    let dup = vec![all[1], all[1], all[2]];
    a.ctx
        .expect_error(
            &[ix::award_best(&a.rfp, &caller.pubkey(), &dup)],
            &s,
            MarketError::DuplicateOffer,
        )
        .await;
    // An offer of another RFP in place of a real one.
    let requester = a.ctx.wallet().await;
    let now = a.ctx.now().await;
    let other = open_rfp(
        &a.ctx,
        &requester,
        rfp_args(Pubkey::new_unique(), 9, Pubkey::new_unique(), now, 60),
    )
    .await;
    let foreign = submit_offer(&a.ctx, &other, &a.vendors[0], 1).await;
    let mixed = vec![(foreign, all[0].1), all[1], all[2]];
    a.ctx
        .expect_error(
            &[ix::award_best(&a.rfp, &caller.pubkey(), &mixed)],
            &s,
            MarketError::OfferRfpMismatch,
        )
        .await;
    // The right offer with another offer's agent and version.
    let swapped = vec![(all[0].0, all[1].1), all[1], all[2]];
    a.ctx
        .expect_error(
            &[ix::award_best(&a.rfp, &caller.pubkey(), &swapped)],
            &s,
            MarketError::AgentMismatch,
        )
        .await;
    // A forged offer: the real bytes under another owner.
    let real = a.ctx.chain.account(&all[0].0).await.unwrap().unwrap();
    let forged = Pubkey::new_unique();
    a.ctx
        .chain
        .set_account(
            &forged,
            solana_account::Account {
                owner: Pubkey::new_unique(),
                ..real
            },
        )
        .await;
    let fake = vec![(forged, all[0].1), all[1], all[2]];
    a.ctx
        .expect_error(
            &[ix::award_best(&a.rfp, &caller.pubkey(), &fake)],
            &s,
            MarketError::InvalidCandidate,
        )
        .await;
    // A triplet cut short.
    let mut short = ix::award_best(&a.rfp, &caller.pubkey(), &all);
    short.accounts.pop();
    a.ctx
        .expect_error(&[short], &s, MarketError::OfferCountMismatch)
        .await;
    landed(
        a.ctx
            .send(&[ix::award_best(&a.rfp, &caller.pubkey(), &all)], &s)
            .await,
    );
    assert_eq!(a.winner().await, a.vendors[0].agent);
    // The award is final.
    a.ctx
        .expect_error(
            &[ix::award_best(&a.rfp, &caller.pubkey(), &all)],
            &s,
            MarketError::RfpNotOpen,
        )
        .await;
}

#[tokio::test]
async fn test_award_best_with_no_eligible_offer() {
    let a = auction(&[10_000]).await;
    landed(
        a.ctx
            .registry()
            .set_status(
                &a.vendors[0].agent,
                &a.vendors[0].owner,
                TargetStatus::Paused,
            )
            .await,
    );
    a.ctx.warp_seconds(60).await;
    let caller = a.ctx.wallet().await;
    a.ctx
        .expect_error(
            &[ix::award_best(&a.rfp, &caller.pubkey(), &a.all())],
            &[&caller],
            MarketError::NoEligibleOffer,
        )
        .await;
    // With no offers at all.
    let requester = a.ctx.wallet().await;
    let now = a.ctx.now().await;
    let empty = open_rfp(
        &a.ctx,
        &requester,
        rfp_args(Pubkey::new_unique(), 3, Pubkey::new_unique(), now, 1),
    )
    .await;
    a.ctx.warp_seconds(1).await;
    a.ctx
        .expect_error(
            &[ix::award_best(&empty, &caller.pubkey(), &[])],
            &[&caller],
            MarketError::NoEligibleOffer,
        )
        .await;
}
