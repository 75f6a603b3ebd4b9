//! The account-mutation matrix over the runner's instructions: every slot of a valid baseline
//! mutated one way at a time fails with its exact error and changes nothing; the baseline then
//! lands. Accounts the runner forwards to escrow, receipts, the registry and the venue are
//! checked by those programs, so their substitutes fail with those programs' errors.
use agentrunner_client::{
    ix::runner::{self as ix, StepRef},
    pda,
};
use agentrunner_tests::{
    mutation::{run_matrix, MatrixReport, SlotKind, SlotKind::*},
    runner_world::*,
};
use anchor_lang::{error::ErrorCode, prelude::Pubkey};
use receipts::error::ReceiptsError;
use runner::error::RunnerError;
use solana_signer::Signer as _;

fn address(error: impl Into<u32>) -> SlotKind {
    Address {
        error: error.into(),
        mutable: false,
    }
}

fn address_mut(error: impl Into<u32>) -> SlotKind {
    Address {
        error: error.into(),
        mutable: true,
    }
}

#[tokio::test]
async fn test_execute_swap_step_mutation_matrix() {
    let w = RunnerWorld::new().await;
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let s = &p.steps[0];
    let base = w.execute_ix(&p, 0);
    let oracle = Remaining {
        error: RunnerError::OracleOwnerInvalid.into(),
    };
    let own = [
        // delegate, owner's accounts, prices, venue
        address(ErrorCode::ConstraintSeeds),
        Token {
            mutable: true,
            cosplay: Some(w.sol),
        },
        Token {
            mutable: true,
            cosplay: Some(w.usdc),
        },
        oracle,
        oracle,
        oracle,
        address(RunnerError::VenueNotAllowed),
    ];
    let after = [
        // authority, token program, event CPI
        address(ErrorCode::ConstraintSeeds),
        Program,
        EventAuthority,
        EventProgram,
        // The venue's accounts, refused by the venue: pool, vault in, vault out, user in, user
        // out, the delegate (a substitute is not signed for), token program, events.
        address(ErrorCode::AccountNotInitialized),
        address_mut(ErrorCode::AccountNotInitialized),
        address_mut(ErrorCode::AccountNotInitialized),
        address_mut(ErrorCode::AccountNotInitialized),
        address_mut(ErrorCode::AccountNotInitialized),
        address(ErrorCode::AccountNotSigner),
        address(ErrorCode::InvalidProgramId),
        EventAuthority,
        EventProgram,
    ];
    let slots: Vec<SlotKind> = awarded_slots(&w, s)
        .into_iter()
        .chain(own)
        .chain(settlement_slots(s))
        .chain(reputation_slots())
        .chain(after)
        .collect();
    let report: MatrixReport = run_matrix(&w.ctx, &base, &[&w.vendor.owner], &slots).await;
    println!("execute_swap_step matrix: {report:?}");
}

/// The slots every paid step instruction shares after its own: StepPayment, ReceiptAccounts,
/// ReputationAccounts (as in the swap matrix).
fn settlement_slots(s: &StepRef) -> Vec<SlotKind> {
    vec![
        Account {
            mutable: true,
            cosplay: Some(s.grant),
        },
        address_mut(ErrorCode::AccountNotInitialized),
        address(ErrorCode::AccountNotInitialized),
        address(ErrorCode::InvalidProgramId),
        Account {
            mutable: true,
            cosplay: Some(s.budget.budget),
        },
        Token {
            mutable: true,
            cosplay: Some(s.budget.mint),
        },
        address(ErrorCode::ConstraintAddress),
        Program,
        address(ErrorCode::AccountNotInitialized),
        address(ErrorCode::AccountNotInitialized),
        address_mut(ReceiptsError::TreeMismatch),
        address(ErrorCode::ConstraintSeeds),
        address(ErrorCode::ConstraintAddress),
        address(ErrorCode::ConstraintAddress),
        address(ErrorCode::ConstraintAddress),
        Program,
    ]
}

fn reputation_slots() -> [SlotKind; 3] {
    [
        address(ErrorCode::AccountNotInitialized),
        address(ErrorCode::ConstraintAddress),
        Program,
    ]
}

fn awarded_slots(w: &RunnerWorld, s: &StepRef) -> [SlotKind; 4] {
    [
        Account {
            mutable: true,
            cosplay: None,
        },
        Signer { mutable: false },
        Account {
            mutable: false,
            cosplay: Some(pda::offer(&s.rfp(), &s.agent).0),
        },
        Account {
            mutable: true,
            cosplay: Some(w.vendor.version),
        },
    ]
}

#[tokio::test]
async fn test_plan_and_service_instructions_mutation_matrix() {
    let w = RunnerWorld::new().await;
    let mut total = MatrixReport::default();
    let mut add = |r: MatrixReport| {
        total.cases += r.cases;
        total.accounts_compared += r.accounts_compared;
    };
    let tail = [EventAuthority, EventProgram];

    // create_plan
    let owner = w.funded_owner().await;
    let key = owner.keypair.pubkey();
    let mut args = w.plan_args(key, vec![w.swap_sol_step(SOL)]);
    args.plan_id = 9;
    let base = ix::create_plan(&key, args);
    let slots = [
        Init,
        address(ErrorCode::ConstraintSeeds),
        Signer { mutable: true },
        Program,
    ];
    add(run_matrix(
        &w.ctx,
        &base,
        &[&owner.keypair],
        &[&slots[..], &tail].concat(),
    )
    .await);
    let plan = pda::plan(&key, 9).0;

    // cancel_plan, then close_plan
    let plan_slot = Account {
        mutable: true,
        cosplay: None,
    };
    let base = ix::cancel_plan(&plan, &key);
    let slots = [
        plan_slot,
        Signer { mutable: false },
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&w.ctx, &base, &[&owner.keypair], &slots).await);
    let base = ix::close_plan(&plan, &key);
    let slots = [
        plan_slot,
        Signer { mutable: true },
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&w.ctx, &base, &[&owner.keypair], &slots).await);

    // complete_service_step
    let p = w.plan(vec![w.data_service_step()]).await;
    let s = &p.steps[0];
    let base = ix::complete_service_step(s, [0xda; 32]);
    let slots: Vec<SlotKind> = awarded_slots(&w, s)
        .into_iter()
        .chain(settlement_slots(s))
        .chain(reputation_slots())
        .chain([
            address(ErrorCode::ConstraintSeeds),
            EventAuthority,
            EventProgram,
        ])
        .collect();
    add(run_matrix(&w.ctx, &base, &[&w.vendor.owner], &slots).await);

    // mark_step_failed, after the deadline
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let rfp: market::state::Rfp = w.ctx.get(&p.steps[0].rfp()).await;
    let now = w.ctx.now().await;
    w.ctx.warp_seconds(rfp.execution_deadline - now).await;
    let anyone = w.ctx.wallet().await;
    let base = ix::mark_step_failed(&p.plan, &key_of(&p), 0, &w.vendor.agent);
    let slots: Vec<SlotKind> = [
        plan_slot,
        Account {
            mutable: false,
            cosplay: Some(pda::offer(&p.steps[0].rfp(), &w.vendor.agent).0),
        },
        Account {
            mutable: true,
            cosplay: Some(w.vendor.version),
        },
    ]
    .into_iter()
    .chain(reputation_slots())
    .chain([
        address(ErrorCode::ConstraintSeeds),
        EventAuthority,
        EventProgram,
    ])
    .collect();
    add(run_matrix(&w.ctx, &base, &[&anyone], &slots).await);
    println!("plan and service matrices: {total:?}");
}

fn key_of(p: &PlanSetup) -> Pubkey {
    p.owner.keypair.pubkey()
}
