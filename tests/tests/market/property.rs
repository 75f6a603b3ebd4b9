//! award_best on-chain picks the same winner as an independent off-chain computation, over
//! 1,000 randomized offer sets (random subsets of eight certified vendors with random
//! reputations and random certified guards, random prices and guard requirements).
use agent_registry::{
    constants::capability,
    instructions::RecordOutcomeArgs,
    state::{Agent, Stage},
};
use agentrunner_client::{ix::market as ix, ix::registry::record_outcome, pda};
use agentrunner_tests::{
    context::landed,
    fixtures::{
        bidder, certify_with_guards, rfp_args, setup_registry, setup_vendor, submit_offer_with,
        VendorRoot,
    },
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use market::{
    instructions::OfferTerms,
    state::{Rfp, RfpStatus},
};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use solana_signer::Signer;

const CASES: usize = 1_000;
const ROUND: usize = 100;
const VENDORS: usize = 8;

/// The reference (the market README's formula): reliability from the credit and failures with
/// the prior, guard compatibility of the certified guards as an exact fraction, the price
/// counted from half the maximum, utility as an exact rational, ties by price, then address.
fn expected_winner(offers: &[(Pubkey, u64, u8, u64, u64)], required: u8, max_price: u64) -> Pubkey {
    // (agent, price, certified guards, credit, failed)
    let utility = |&(_, price, guards, c, f): &(Pubkey, u64, u8, u64, u64)| {
        let reliability = (c as u128 + 1_024) * 10_000 / (c as u128 + f as u128 * 102_400 + 2_048);
        let wanted = required.count_ones() as u128;
        let compat = ((guards & required).count_ones() as u128 * 10_000)
            .checked_div(wanted)
            .unwrap_or(10_000);
        (reliability * compat, price.max(max_price / 2) as u128)
    };
    let mut best = offers[0];
    for o in &offers[1..] {
        let (un, ud) = utility(o);
        let (bn, bd) = utility(&best);
        let better = un * bd > bn * ud
            || (un * bd == bn * ud
                && (o.1 < best.1 || (o.1 == best.1 && o.0.to_bytes() < best.0.to_bytes())));
        if better {
            best = *o;
        }
    }
    best.0
}

#[tokio::test]
async fn test_award_best_matches_independent_computation() {
    let ctx = TestContext::new().await;
    let mut rng = StdRng::seed_from_u64(0xA11CE);
    let registry = setup_registry(&ctx).await;
    let mut vendors: Vec<VendorRoot> = Vec::new();
    let mut certified_guards = Vec::new();
    for i in 0..VENDORS {
        let vendor = setup_vendor(&ctx, &format!("P{i}")).await;
        let guards = rng.gen_range(0..16u8);
        certify_with_guards(&ctx, &registry, &vendor, Stage::D, guards).await;
        certified_guards.push(guards);
        let (succeeded, failed) = (rng.gen_range(0..12u8), rng.gen_range(0..6u8));
        // Successes from distinct payers, worth $1-$150 each.
        let outcomes: Vec<_> = (0..succeeded)
            .map(|n| (true, n))
            .chain((0..failed).map(|n| (false, n)))
            .map(|(success, n)| {
                record_outcome(
                    &vendor.agent,
                    &registry.recorder().pubkey(),
                    &registry.recorder().pubkey(),
                    RecordOutcomeArgs {
                        success,
                        realized_slippage_bps: 0,
                        receipt_leaf: [n; 32],
                        capability: capability::SWAP,
                        payer: Pubkey::new_unique(),
                        value_micro_usd: rng.gen_range(1..=150) * 1_000_000,
                    },
                )
            })
            .collect();
        for chunk in outcomes.chunks(3) {
            landed(ctx.send(chunk, &[registry.recorder()]).await);
        }
        vendors.push(vendor);
    }
    let mut reputations = Vec::new();
    for v in &vendors {
        let agent: Agent = ctx.get(&v.agent).await;
        let swap = agent.reputation_of(capability::SWAP).unwrap();
        reputations.push((swap.credit, swap.failed));
    }

    let requester = ctx.wallet().await;
    let caller = ctx.wallet().await;
    let mut checked = 0;
    for round in 0..CASES / ROUND {
        let now = ctx.now().await;
        let mut cases = Vec::new();
        for case in 0..ROUND {
            let step = (round * ROUND + case) as u16;
            let mut args = rfp_args(
                Pubkey::new_from_array([9; 32]),
                step,
                Pubkey::new_from_array([8; 32]),
                now,
                5,
            );
            args.guards.required = rng.gen_range(0..16);
            let required = args.guards.required;
            let rfp = pda::rfp(&requester.pubkey(), &args.plan, step).0;
            landed(
                ctx.send(&[ix::open_rfp(&requester.pubkey(), args)], &[&requester])
                    .await,
            );
            let count = rng.gen_range(1..=VENDORS);
            let mut picked: Vec<usize> = (0..VENDORS).collect();
            picked.shuffle(&mut rng);
            picked.truncate(count);
            let mut offers = Vec::new();
            for &i in &picked {
                let v = &vendors[i];
                let terms = OfferTerms {
                    price: rng.gen_range(1..=100) * 1_000,
                    eta_ms: 500,
                    success_rate_bps: 9_000,
                    // What an offer claims is bounded by, and outweighed by, what was certified.
                    guard_compat: rng.gen_range(0..16u8) & certified_guards[i],
                    expires_at: now + 3_600,
                };
                submit_offer_with(&ctx, &rfp, v, terms).await;
                offers.push((
                    v.agent,
                    terms.price,
                    certified_guards[i],
                    reputations[i].0,
                    reputations[i].1,
                    pda::offer(&rfp, &v.agent).0,
                    i,
                ));
            }
            cases.push((rfp, required, offers));
        }
        ctx.warp_seconds(5).await;
        for (rfp, required, offers) in &cases {
            let candidates: Vec<_> = offers
                .iter()
                .map(|o| (o.5, bidder(&vendors[o.6])))
                .collect();
            landed(
                ctx.send(
                    &[ix::award_best(rfp, &caller.pubkey(), &candidates)],
                    &[&caller],
                )
                .await,
            );
            let RfpStatus::Awarded(award) = ctx.get::<Rfp>(rfp).await.status else {
                panic!("not awarded")
            };
            let reference: Vec<_> = offers.iter().map(|o| (o.0, o.1, o.2, o.3, o.4)).collect();
            assert_eq!(
                award.agent,
                expected_winner(&reference, *required, 100_000),
                "case {checked}"
            );
            checked += 1;
        }
    }
    println!("award_best property: {checked} randomized offer sets, on-chain winner == independent computation");
    assert_eq!(checked, CASES);
}
