//! The account-mutation matrix over the runner's instructions: every slot of a valid baseline
//! mutated one way at a time fails with its exact error and changes nothing; the baseline then
//! lands. Accounts the runner forwards to escrow, receipts, the registry and the venue are
//! checked by those programs, so their substitutes fail with those programs' errors.
use agentrunner_client::{
    ix::runner::{self as ix, StepRef},
    pda,
};
use agentrunner_tests::{
    context::landed,
    mutation::{run_matrix, MatrixReport, SlotKind, SlotKind::*},
    runner_world::*,
};
use anchor_lang::error::ErrorCode;
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
        error: RunnerError::OracleAccountMismatch.into(),
    };
    let own = [
        // owner's delegate, owner's accounts, staging, pinned prices, venue
        address(ErrorCode::ConstraintSeeds),
        Token {
            mutable: true,
            cosplay: Some(w.sol),
        },
        Token {
            mutable: true,
            cosplay: Some(w.usdc),
        },
        Token {
            mutable: true,
            cosplay: Some(w.sol),
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
        // The venue's accounts, refused by the venue: pool, vault in, vault out, staging as its
        // input, user out, staging as its authority (a substitute is not signed for), token
        // program, events.
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
        // The Shard taking the vendor's leaf deposit.
        address_mut(ErrorCode::AccountNotInitialized),
        address(ErrorCode::ConstraintSeeds),
        address(ErrorCode::ConstraintAddress),
        address(ErrorCode::ConstraintAddress),
        address(ErrorCode::ConstraintAddress),
        Program,
    ]
}

fn reputation_slots() -> [SlotKind; 5] {
    [
        address(ErrorCode::AccountNotInitialized),
        // The payer record (created by the registry on a first credited execution): another
        // address is not its PDA.
        KeyAsData {
            error: ErrorCode::ConstraintSeeds.into(),
        },
        address(ErrorCode::ConstraintAddress),
        Program,
        Program,
    ]
}

fn awarded_slots(w: &RunnerWorld, s: &StepRef) -> [SlotKind; 5] {
    [
        Account {
            mutable: true,
            cosplay: None,
        },
        Signer { mutable: true },
        Account {
            mutable: false,
            cosplay: Some(pda::offer(&s.rfp(), &s.agent).0),
        },
        Account {
            mutable: true,
            cosplay: Some(w.vendor.version),
        },
        Account {
            mutable: false,
            cosplay: Some(s.agent),
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
    let mint = Remaining {
        error: RunnerError::MintMismatch.into(),
    };
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
        &[&slots[..], &tail, &[mint, mint]].concat(),
    )
    .await);
    let plan = pda::plan(&key, 9).0;

    // approve_plan, on a second plan (the first stays unapproved for cancel and close)
    let mut args = w.plan_args(key, vec![w.swap_sol_step(SOL)]);
    args.plan_id = 10;
    landed(
        w.ctx
            .send(&[ix::create_plan(&key, args)], &[&owner.keypair])
            .await,
    );
    let approved = pda::plan(&key, 10).0;
    let base = ix::approve_plan(&approved, &key, &[w.sol]);
    let custody = Remaining {
        error: RunnerError::CustodyAccountsMismatch.into(),
    };
    let slots = [
        Account {
            mutable: true,
            cosplay: None,
        },
        Signer { mutable: true },
        address(ErrorCode::ConstraintSeeds),
        Program,
        Program,
        EventAuthority,
        EventProgram,
        custody,
        custody,
        // The staging account does not exist before the approval creates it.
        KeyAsData {
            error: RunnerError::CustodyAccountsMismatch.into(),
        },
    ];
    add(run_matrix(&w.ctx, &base, &[&owner.keypair], &slots).await);

    // cancel_plan, then close_plan
    let plan_slot = Account {
        mutable: true,
        cosplay: None,
    };
    let stored: runner::state::Plan = w.ctx.get(&plan).await;
    let base = ix::cancel_plan(&plan, &stored);
    let slots = [
        plan_slot,
        Signer { mutable: false },
        address(ErrorCode::ConstraintSeeds),
        Program,
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&w.ctx, &base, &[&owner.keypair], &slots).await);
    let base = ix::close_plan(&plan, &stored);
    let slots = [
        plan_slot,
        Signer { mutable: true },
        address(ErrorCode::ConstraintSeeds),
        Program,
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&w.ctx, &base, &[&owner.keypair], &slots).await);

    // close_staging, once the approved plan no longer needs it (its plan was cancelled)
    let stored: runner::state::Plan = w.ctx.get(&approved).await;
    landed(
        w.ctx
            .send(&[ix::cancel_plan(&approved, &stored)], &[&owner.keypair])
            .await,
    );
    let base = ix::close_staging(&key, &w.sol);
    let slots = [
        Signer { mutable: true },
        address(ErrorCode::ConstraintSeeds),
        Token {
            mutable: false,
            cosplay: Some(owner.sol),
        },
        Token {
            mutable: true,
            cosplay: Some(w.sol),
        },
        Token {
            mutable: true,
            cosplay: Some(w.sol),
        },
        Program,
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

    // report_unfunded_step, once the owner emptied its input account
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let owner = &p.owner.keypair;
    let stash = w
        .ctx
        .chain
        .ata(&w.vendor.owner.pubkey(), &w.sol)
        .await
        .unwrap();
    let away = spl_token_interface::instruction::transfer(
        &spl_token_interface::ID,
        &p.owner.sol,
        &stash,
        &owner.pubkey(),
        &[],
        w.ctx.chain.token_balance(&p.owner.sol).await.unwrap(),
    )
    .unwrap();
    landed(w.ctx.send(&[away], &[owner]).await);
    let base = ix::report_unfunded_step(&p.plan, &p.stored, 0, &w.vendor.owner.pubkey());
    let slots = [
        plan_slot,
        Account {
            mutable: false,
            cosplay: Some(pda::offer(&p.steps[0].rfp(), &w.vendor.agent).0),
        },
        Token {
            mutable: false,
            cosplay: Some(w.sol),
        },
        Signer { mutable: false },
        EventAuthority,
        EventProgram,
    ];
    add(run_matrix(&w.ctx, &base, &[&w.vendor.owner], &slots).await);

    // mark_step_failed, after the deadline
    let p = w.plan(vec![w.swap_sol_step(SOL)]).await;
    let rfp: market::state::Rfp = w.ctx.get(&p.steps[0].rfp()).await;
    let now = w.ctx.now().await;
    w.ctx.warp_seconds(rfp.execution_deadline - now).await;
    let anyone = w.ctx.wallet().await;
    let base = ix::mark_step_failed(
        &p.plan,
        &w.stored(&p).await,
        0,
        &w.vendor.agent,
        &anyone.pubkey(),
    );
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
        Signer { mutable: true },
        EventAuthority,
        EventProgram,
    ])
    .collect();
    add(run_matrix(&w.ctx, &base, &[&anyone], &slots).await);
    println!("plan and service matrices: {total:?}");
}
