//! Custody attacks (docs/SECURITY-TESTPLAN.md C-1, C-2, M1 and issue "Custody"): a dishonest vendor, a
//! vendor-controlled venue, an owner's concurrent plans, cherry-picked oracles, and agents that
//! lost their standing. Every refusal asserts the exact error and that every account the
//! transaction names is byte-identical afterwards.
use agent_registry::{error::RegistryError, instructions::TargetStatus, state::Stage};
use agentrunner_client::{
    ix::runner::{self as ix, SwapLeg, VenueCall},
    pda,
    voucher::Voucher,
};
use agentrunner_embedded::ChainError;
use agentrunner_embedded::{oracle::pyth_feed, SwitchboardFeed};
use agentrunner_tests::{
    clients::escrow::settle_vouchers_ixs,
    context::{landed, touched_accounts},
    fixtures::{certify, setup_vendor_with, VendorRoot},
    hostile_venue::{self, Op},
    runner_world::*,
    Snapshot,
};
use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use escrow::{error::EscrowError, state::Grant};
use runner::{
    error::RunnerError,
    instructions::StepArgs,
    state::{Plan, StepKind},
};
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use spl_token_interface::error::TokenError;

/// A rebalance over four mints: sell 1 SOL, 100 JUP and 50 WIF into USDC (one step each),
/// sim_venue and the hostile venue allowlisted, approved through the real approval builder.
async fn four_mint_rebalance(w: &RunnerWorld) -> PlanSetup {
    let owner = w.funded_owner().await;
    let sell = |mint_in: u8, amount_in: u64| StepArgs {
        kind: StepKind::Rebalance,
        capability: agent_registry::constants::capability::REBALANCE,
        mint_in,
        mint_out: USDC_INDEX,
        amount_in,
        ..w.swap_sol_step(SOL)
    };
    let mut args = w.plan_args(
        owner.keypair.pubkey(),
        vec![
            sell(SOL_INDEX, SOL),
            sell(2, 100 * USDC),
            sell(3, 50 * USDC),
        ],
    );
    args.mints
        .push(w.pyth_policy(w.jup, USDC_DECIMALS, pyth_feed::JUP_USD));
    args.mints
        .push(w.pyth_policy(w.wif, USDC_DECIMALS, pyth_feed::WIF_USD));
    args.venues.push(hostile_venue::ID);
    w.plan_from(owner, args, w.usdc).await
}

/// `p`'s step `step` executed through `venue` instead of the honest swap.
fn through(w: &RunnerWorld, p: &PlanSetup, step: u8, venue: VenueCall) -> SwapLeg {
    SwapLeg {
        venue,
        ..w.swap_leg(p, step)
    }
}

fn execute(
    p: &PlanSetup,
    step: u8,
    leg: &SwapLeg,
) -> anchor_lang::solana_program::instruction::Instruction {
    ix::execute_swap_step(&p.steps[usize::from(step)], leg, [0; 32])
}

/// `ixs` fail because a CPI claimed a signature its caller did not hold, and change nothing.
/// On a validator that is `PrivilegeEscalation`; natively, solana-program-test reports it by
/// failing the program with this log line.
async fn expect_privilege_escalation(
    w: &RunnerWorld,
    ixs: &[anchor_lang::solana_program::instruction::Instruction],
    signers: &[&Keypair],
) {
    let keys = touched_accounts(ixs, &w.ctx.chain.payer().pubkey());
    let snapshot = Snapshot::take(&w.ctx.chain, &keys).await;
    match w.ctx.send(ixs, signers).await {
        Err(ChainError::Transaction { error, logs }) => {
            assert_eq!(
                error,
                TransactionError::InstructionError(0, InstructionError::ProgramFailedToComplete)
            );
            assert!(
                logs.iter()
                    .any(|l| l.ends_with("signer privilege escalated")),
                "{logs:?}"
            );
        }
        other => panic!("expected a privilege escalation, got {other:?}"),
    }
    snapshot.assert_unchanged(&w.ctx.chain).await;
}

/// The allowance the owner's delegate holds on `account`.
async fn allowance(w: &RunnerWorld, owner: &Pubkey, account: &Pubkey) -> u64 {
    let held: anchor_spl::token::TokenAccount = w.ctx.get(account).await;
    if held.delegate.contains(&pda::owner_delegate(owner).0) {
        held.delegated_amount
    } else {
        0
    }
}

#[tokio::test]
async fn adversary_custody_cross_step_vendor_cannot_touch_other_delegated_accounts() {
    let w = RunnerWorld::new().await;
    let p = four_mint_rebalance(&w).await;
    let owner = p.owner.keypair.pubkey();
    let delegate = pda::owner_delegate(&owner).0;
    let delegated = [
        (w.sol, p.owner.sol),
        (w.jup, p.owner.jup),
        (w.wif, p.owner.wif),
    ];
    for (mint, account) in delegated {
        assert!(
            allowance(&w, &owner, &account).await > 0,
            "{mint} is delegated"
        );
    }
    let thief = w.ctx.wallet().await;
    for step in 0..3u8 {
        let leg = w.swap_leg(&p, step);
        // Every delegated account, the step's own included (beyond what was staged).
        for (mint, account) in delegated {
            let loot = w.ctx.chain.ata(&thief.pubkey(), &mint).await.unwrap();
            // A tenth of a token (the step's own account, too, holds more than was staged).
            let amount = if mint == w.sol { SOL / 10 } else { USDC / 10 };
            // sim_venue selling the account into the owner's USDC, the delegate as authority:
            // the runner never signs for the delegate in a venue call.
            let pool = agentrunner_client::ix::sim_venue::PoolRef::new(&mint, &w.usdc);
            let swap = |authority: &Pubkey| {
                VenueCall::from_instruction(agentrunner_client::ix::sim_venue::swap(
                    &pool,
                    &mint,
                    &account,
                    &p.owner.usdc,
                    authority,
                    sim_venue::instructions::SwapArgs {
                        amount_in: amount,
                        min_out: 0,
                    },
                ))
            };
            w.ctx
                .expect_error(
                    &[execute(&p, step, &through(&w, &p, step, swap(&delegate)))],
                    &[&w.vendor.owner],
                    ErrorCode::AccountNotSigner,
                )
                .await;
            // The same with staging, the one signature the call carries, as authority.
            w.ctx
                .expect_error(
                    &[execute(
                        &p,
                        step,
                        &through(&w, &p, step, swap(&leg.owner.staging)),
                    )],
                    &[&w.vendor.owner],
                    TokenError::OwnerMismatch as u32,
                )
                .await;
            // A venue the vendor controls, transferring the account to the thief.
            let steal = |authority: Pubkey| {
                hostile_venue::call(
                    &[account, loot, authority],
                    &[Op::Transfer {
                        from: 0,
                        to: 1,
                        authority: 2,
                        amount,
                    }],
                )
            };
            expect_privilege_escalation(
                &w,
                &[execute(&p, step, &through(&w, &p, step, steal(delegate)))],
                &[&w.vendor.owner],
            )
            .await;
            w.ctx
                .expect_error(
                    &[execute(
                        &p,
                        step,
                        &through(&w, &p, step, steal(leg.owner.staging)),
                    )],
                    &[&w.vendor.owner],
                    TokenError::OwnerMismatch as u32,
                )
                .await;
        }
    }
    // Honest executions still run, each selling exactly its own input.
    for step in 0..3u8 {
        landed(w.execute(&p, step).await);
    }
    assert_eq!(
        w.ctx.chain.token_balance(&p.owner.sol).await.unwrap(),
        OWNER_SOL - SOL
    );
    assert_eq!(
        w.ctx.chain.token_balance(&p.owner.jup).await.unwrap(),
        OWNER_JUP - 100 * USDC
    );
    assert_eq!(
        w.ctx.chain.token_balance(&p.owner.wif).await.unwrap(),
        OWNER_WIF - 50 * USDC
    );
    for (_, account) in delegated {
        assert_eq!(allowance(&w, &owner, &account).await, 0);
    }
}

#[tokio::test]
async fn adversary_custody_staging_signature_covers_only_staging() {
    let w = RunnerWorld::new().await;
    let p = four_mint_rebalance(&w).await;
    let leg = w.swap_leg(&p, 0);
    let thief = w.ctx.wallet().await;
    let thief_sol = w.ctx.chain.ata(&thief.pubkey(), &w.sol).await.unwrap();
    // Another owner's staging account, funded by a donation.
    let other = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let other_staging = pda::staging(&other.owner.keypair.pubkey(), &w.sol).0;
    w.ctx
        .chain
        .mint_to(&w.sol, &other_staging, SOL)
        .await
        .unwrap();
    for (label, victim) in [
        ("the owner's own SOL account", p.owner.sol),
        ("another owner's staging account", other_staging),
        ("the pool's vault", w.pool.vault(&w.sol)),
    ] {
        let venue = hostile_venue::call(
            &[victim, thief_sol, leg.owner.staging],
            &[Op::Transfer {
                from: 0,
                to: 1,
                authority: 2,
                amount: 1,
            }],
        );
        w.ctx
            .expect_error_labeled(
                label,
                &[execute(&p, 0, &through(&w, &p, 0, venue))],
                &[&w.vendor.owner],
                TokenError::OwnerMismatch as u32,
            )
            .await;
    }
    // Using staging's signature on staging itself to keep a hold on it is refused too.
    let delegate_thief = hostile_venue::call(
        &[leg.owner.staging, thief.pubkey(), leg.owner.staging],
        &[Op::Approve {
            account: 0,
            delegate: 1,
            owner: 2,
            amount: u64::MAX,
        }],
    );
    let take_ownership = hostile_venue::call(
        &[leg.owner.staging, thief.pubkey(), leg.owner.staging],
        &[Op::SetOwner {
            account: 0,
            new_owner: 1,
            owner: 2,
        }],
    );
    for (label, venue) in [("approve", delegate_thief), ("set owner", take_ownership)] {
        w.ctx
            .expect_error_labeled(
                label,
                &[execute(&p, 0, &through(&w, &p, 0, venue))],
                &[&w.vendor.owner],
                RunnerError::StagingTampered,
            )
            .await;
    }
    // Keeping the input without paying the output: the owner's balance shows no output.
    let keep = hostile_venue::call(
        &[leg.owner.staging, thief_sol, leg.owner.staging],
        &[Op::Transfer {
            from: 0,
            to: 1,
            authority: 2,
            amount: SOL,
        }],
    );
    w.ctx
        .expect_error(
            &[execute(&p, 0, &through(&w, &p, 0, keep))],
            &[&w.vendor.owner],
            RunnerError::SlippageExceeded,
        )
        .await;
    landed(w.execute(&p, 0).await);
    assert_eq!(
        w.ctx.chain.token_balance(&leg.owner.staging).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn adversary_custody_no_signature_but_staging_reaches_the_venue() {
    let w = RunnerWorld::new().await;
    let p = four_mint_rebalance(&w).await;
    // A donor that signs the transaction cannot lend its signature to the venue: the runner's
    // venue call carries staging's alone.
    let donor = w.ctx.wallet().await;
    let donor_jup = w.ctx.chain.ata(&donor.pubkey(), &w.jup).await.unwrap();
    w.ctx.chain.mint_to(&w.jup, &donor_jup, USDC).await.unwrap();
    let gift = hostile_venue::call(
        &[donor_jup, p.owner.jup, donor.pubkey()],
        &[Op::Transfer {
            from: 0,
            to: 1,
            authority: 2,
            amount: 1,
        }],
    );
    let mut ix = execute(&p, 0, &through(&w, &p, 0, gift));
    for meta in ix
        .accounts
        .iter_mut()
        .filter(|m| m.pubkey == donor.pubkey())
    {
        meta.is_signer = true;
    }
    expect_privilege_escalation(&w, &[ix], &[&w.vendor.owner, &donor]).await;
    // Staging paying part of the input back into the owner's account itself, rather than
    // leaving it for the runner to return, is a change to an owner account: refused.
    let leg = w.swap_leg(&p, 0);
    let back = hostile_venue::call(
        &[leg.owner.staging, p.owner.sol, leg.owner.staging],
        &[Op::Transfer {
            from: 0,
            to: 1,
            authority: 2,
            amount: 1,
        }],
    );
    w.ctx
        .expect_error(
            &[execute(&p, 0, &through(&w, &p, 0, back))],
            &[&w.vendor.owner],
            RunnerError::OwnerAccountChanged,
        )
        .await;
    // A venue that leaves part of the input unsold (0.999 SOL still meets the minimum): the
    // runner returns the rest in the same transaction, the receipt records what was sold, and
    // staging ends empty.
    let sold = SOL - SOL / 1_000;
    let partial = w.venue_swap(&p, &w.sol, &w.usdc, &p.owner.usdc, sold);
    let traced = w
        .ctx
        .send_traced(
            &[execute(&p, 0, &through(&w, &p, 0, partial))],
            &[&w.vendor.owner],
        )
        .await
        .unwrap();
    let receipt = traced
        .cpis()
        .find_map(|c| {
            agentrunner_client::events::decode_event::<receipts::events::ReceiptAppended>(
                &receipts::ID,
                &c.program_id,
                &c.accounts,
                &c.data,
            )
        })
        .unwrap()
        .receipt;
    assert_eq!(receipt.amount_in, sold);
    assert_eq!(
        w.ctx.chain.token_balance(&leg.owner.staging).await.unwrap(),
        0
    );
    assert_eq!(
        w.ctx.chain.token_balance(&p.owner.sol).await.unwrap(),
        OWNER_SOL - sold
    );
    let held: anchor_spl::token::TokenAccount = w.ctx.get(&p.owner.sol).await;
    assert!(
        held.delegate.is_none(),
        "the step's full amount left the allowance; the unsold part is the owner's again"
    );
}

mod plans;
