//! The account-mutation matrix over every market instruction.
use agentrunner_client::{ix::market as ix, pda};
use agentrunner_tests::{
    fixtures::{
        bidder, certified_vendor, offer_terms, open_rfp, rfp_args, setup_registry, submit_offer,
    },
    mutation::{run_matrix, MatrixReport, SlotKind::*},
    TestContext,
};
use anchor_lang::prelude::Pubkey;
use market::{error::MarketError, instructions::AwardArgs};
use solana_signer::Signer as _;

#[tokio::test]
async fn test_market_mutation_matrix() {
    let ctx = TestContext::new().await;
    let registry = setup_registry(&ctx).await;
    let a = certified_vendor(&ctx, &registry, "A").await;
    let b = certified_vendor(&ctx, &registry, "B").await;
    let requester = ctx.wallet().await;
    let me = requester.pubkey();
    let now = ctx.now().await;
    let mint = Pubkey::new_unique();
    let mut total = MatrixReport::default();
    let mut add = |r: MatrixReport| {
        total.cases += r.cases;
        total.accounts_compared += r.accounts_compared;
    };
    let tail = [EventAuthority, EventProgram];
    // Long-lived market accounts of each type, for type-cosplay cases.
    let rfp0 = open_rfp(
        &ctx,
        &requester,
        rfp_args(Pubkey::new_unique(), 9, mint, now, 3_600),
    )
    .await;
    let offer0 = submit_offer(&ctx, &rfp0, &b, 1_000).await;
    let agent_slot = |v: &agentrunner_tests::fixtures::VendorRoot| {
        [
            Account {
                mutable: false,
                cosplay: Some(v.version),
            },
            Account {
                mutable: false,
                cosplay: Some(v.agent),
            },
        ]
    };

    // open_rfp -> rfp1
    let args = rfp_args(Pubkey::new_unique(), 0, mint, now, 60);
    let rfp1 = pda::rfp(&me, &args.plan, 0).0;
    add(run_matrix(
        &ctx,
        &ix::open_rfp(&me, args),
        &[&requester],
        &[
            Init,
            Signer { mutable: true },
            Program,
            EventAuthority,
            EventProgram,
        ],
    )
    .await);
    let rfp_slot = Account {
        mutable: true,
        cosplay: Some(offer0),
    };

    // submit_offer (A on rfp1), update_offer
    let base = ix::submit_offer(
        &rfp1,
        bidder(&a),
        &a.owner.pubkey(),
        offer_terms(5_000, now),
    );
    let slots: Vec<_> = [rfp_slot]
        .into_iter()
        .chain(agent_slot(&a))
        .chain([Init, Signer { mutable: true }, Program])
        .chain(tail)
        .collect();
    add(run_matrix(&ctx, &base, &[&a.owner], &slots).await);
    let offer_a = pda::offer(&rfp1, &a.agent).0;
    let offer_slot = Account {
        mutable: true,
        cosplay: Some(rfp0),
    };
    let base = ix::update_offer(&rfp1, &offer_a, &a.owner.pubkey(), offer_terms(4_000, now));
    add(run_matrix(
        &ctx,
        &base,
        &[&a.owner],
        &[
            rfp_slot,
            offer_slot,
            Signer { mutable: false },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);

    // withdraw_offer (B on rfp1)
    let offer_b = submit_offer(&ctx, &rfp1, &b, 6_000).await;
    let base = ix::withdraw_offer(&rfp1, &offer_b, &b.owner.pubkey());
    add(run_matrix(
        &ctx,
        &base,
        &[&b.owner],
        &[
            rfp_slot,
            offer_slot,
            Signer { mutable: true },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);

    // award (A on rfp1), then close_offer
    let base = ix::award(
        &rfp1,
        &offer_a,
        bidder(&a),
        &me,
        AwardArgs {
            expected_price: 4_000,
            expected_version: 2,
        },
    );
    let slots: Vec<_> = [
        rfp_slot,
        Account {
            mutable: false,
            cosplay: Some(rfp0),
        },
    ]
    .into_iter()
    .chain(agent_slot(&a))
    .chain([Signer { mutable: false }])
    .chain(tail)
    .collect();
    add(run_matrix(&ctx, &base, &[&requester], &slots).await);
    let base = ix::close_offer(&rfp1, &offer_a, &a.owner.pubkey());
    let slots = [
        rfp_slot,
        offer_slot,
        Address {
            error: MarketError::RentReceiverMismatch.into(),
            mutable: true,
        },
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &base, &[], &slots).await);

    // cancel_rfp (rfp2), close_rfp (rfp2)
    let rfp2 = open_rfp(
        &ctx,
        &requester,
        rfp_args(Pubkey::new_unique(), 1, mint, now, 60),
    )
    .await;
    add(run_matrix(
        &ctx,
        &ix::cancel_rfp(&rfp2, &me),
        &[&requester],
        &[
            rfp_slot,
            Signer { mutable: false },
            EventAuthority,
            EventProgram,
        ],
    )
    .await);
    let slots = [
        rfp_slot,
        Address {
            error: MarketError::RentReceiverMismatch.into(),
            mutable: true,
        },
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&ctx, &ix::close_rfp(&rfp2, &me), &[], &slots).await);

    // award_best (rfp3 with A and B)
    let rfp3 = open_rfp(
        &ctx,
        &requester,
        rfp_args(Pubkey::new_unique(), 2, mint, now, 60),
    )
    .await;
    let oa = submit_offer(&ctx, &rfp3, &a, 7_000).await;
    let ob = submit_offer(&ctx, &rfp3, &b, 8_000).await;
    ctx.warp_seconds(60).await;
    let caller = ctx.wallet().await;
    let base = ix::award_best(
        &rfp3,
        &caller.pubkey(),
        &[(oa, bidder(&a)), (ob, bidder(&b))],
    );
    let candidate = [
        Remaining {
            error: MarketError::InvalidCandidate.into(),
        },
        Remaining {
            error: MarketError::AgentMismatch.into(),
        },
        Remaining {
            error: MarketError::InvalidCandidate.into(),
        },
    ];
    let slots: Vec<_> = [rfp_slot, Signer { mutable: false }]
        .into_iter()
        .chain(tail)
        .chain(candidate)
        .chain(candidate)
        .collect();
    add(run_matrix(&ctx, &base, &[&caller], &slots).await);

    println!(
        "market mutation matrix: {} cases, {} account comparisons",
        total.cases, total.accounts_compared
    );
    assert!(total.cases >= 90, "matrix shrank: {}", total.cases);
}
