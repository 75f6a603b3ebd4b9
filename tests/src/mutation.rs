//! The account-mutation matrix (docs/SECURITY-TESTPLAN.md §3, Layer 1).
//!
//! For one valid baseline instruction, every account slot is classified once ([`SlotKind`]);
//! the matrix then applies each mutation that fits the slot (M1 clear signer, M2 clear writable,
//! M3 wrong owner, M5 cosplay, M6 uninitialized, M7 alias, M9 wrong program, substituted PDA)
//! plus the data mutations (M11: truncated data, unknown discriminator), one at a time. Every
//! case must fail with the exact expected error and leave every named account byte-identical.
//! Finally the baseline itself must land, which proves each rejection came from its mutation.
use anchor_lang::{
    error::ErrorCode,
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
};
use solana_account::Account;
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;

use crate::{context::landed, TestContext};

/// How the program declares an account slot.
#[derive(Clone, Copy, Debug)]
pub enum SlotKind {
    /// `Account<T>` owned by the program. `cosplay`: an account of another type owned by the same
    /// program, to test type confusion (M5).
    Account {
        mutable: bool,
        cosplay: Option<Pubkey>,
    },
    /// An SPL Token / Token-2022 account or mint (`InterfaceAccount`): a cosplayed account of
    /// the other SPL type fails to unpack.
    Token {
        mutable: bool,
        cosplay: Option<Pubkey>,
    },
    /// `init`: created by this instruction at a PDA.
    Init,
    /// `Signer`.
    Signer { mutable: bool },
    /// `Program<T>`.
    Program,
    /// An account in `remaining_accounts` validated by the handler: a foreign-owned copy or an
    /// unknown address fails with `error`.
    Remaining { error: u32 },
    /// An account whose key is data (a Merkle proof node passed as an account key): another key
    /// fails with `error`.
    KeyAsData { error: u32 },
    /// The `#[event_cpi]` event authority (pinned by `address =`).
    EventAuthority,
    /// The `#[event_cpi]` `program` account: Anchor reads nothing from it. On SBF a wrong key
    /// makes the event self-CPI fail; natively the test runtime resolves the program from the
    /// transaction, so no mutation applies here.
    EventProgram,
    /// An account pinned by `address = ...` or `has_one`; a substitute fails with `error`.
    Address { error: u32, mutable: bool },
}

/// What a matrix run covered.
#[derive(Debug, Default, Clone, Copy)]
pub struct MatrixReport {
    /// Mutated cases executed; each failed with its expected error.
    pub cases: usize,
    /// Account comparisons made after rejected cases (all byte-identical).
    pub accounts_compared: usize,
}

struct Case {
    label: String,
    ix: Instruction,
    expected: InstructionError,
}

/// Writability and signatures are per transaction: a flag cleared on one slot still holds if
/// another slot or a prefix instruction sets it for the same key, so such cases are skipped.
fn flag_set_elsewhere(
    prefix: &[Instruction],
    case: &Instruction,
    key: &Pubkey,
    label: &str,
) -> bool {
    let metas: Vec<&AccountMeta> = prefix
        .iter()
        .flat_map(|ix| ix.accounts.iter())
        .chain(case.accounts.iter())
        .filter(|m| m.pubkey == *key)
        .collect();
    (label.starts_with("M1") && metas.iter().any(|m| m.is_signer))
        || (label.starts_with("M2") && metas.iter().any(|m| m.is_writable))
}

fn code(error: ErrorCode) -> InstructionError {
    InstructionError::Custom(error.into())
}

fn replace(ix: &Instruction, slot: usize, key: Pubkey) -> Instruction {
    let mut ix = ix.clone();
    ix.accounts[slot].pubkey = key;
    ix
}

fn set_meta(ix: &Instruction, slot: usize, f: impl FnOnce(&mut AccountMeta)) -> Instruction {
    let mut ix = ix.clone();
    f(&mut ix.accounts[slot]);
    ix
}

/// Runs the matrix for `baseline`; `slots` classifies every account of `baseline`, in order.
pub async fn run_matrix(
    ctx: &TestContext,
    baseline: &Instruction,
    signers: &[&Keypair],
    slots: &[SlotKind],
) -> MatrixReport {
    run_matrix_after(ctx, &[], baseline, signers, slots).await
}

/// [`run_matrix`] where every case (and the final baseline) is sent after the unmutated
/// `prefix` instructions in the same transaction (e.g. an Ed25519 proof the baseline reads).
pub async fn run_matrix_after(
    ctx: &TestContext,
    prefix: &[Instruction],
    baseline: &Instruction,
    signers: &[&Keypair],
    slots: &[SlotKind],
) -> MatrixReport {
    assert_eq!(
        slots.len(),
        baseline.accounts.len(),
        "classify every account slot of the baseline instruction"
    );
    let mut cases = Vec::new();
    for (i, kind) in slots.iter().enumerate() {
        let name = format!("slot {i} ({kind:?})");
        match *kind {
            SlotKind::Account { mutable, cosplay } => {
                if mutable {
                    cases.push(Case {
                        label: format!("M2 clear writable, {name}"),
                        ix: set_meta(baseline, i, |m| m.is_writable = false),
                        expected: code(ErrorCode::ConstraintMut),
                    });
                }
                let foreign = foreign_owned_copy(ctx, &baseline.accounts[i].pubkey).await;
                cases.push(Case {
                    label: format!("M3 wrong owner, {name}"),
                    ix: replace(baseline, i, foreign),
                    expected: code(ErrorCode::AccountOwnedByWrongProgram),
                });
                if let Some(other) = cosplay {
                    cases.push(Case {
                        label: format!("M5 cosplay, {name}"),
                        ix: replace(baseline, i, other),
                        expected: code(ErrorCode::AccountDiscriminatorMismatch),
                    });
                }
                cases.push(Case {
                    label: format!("M6 uninitialized, {name}"),
                    ix: replace(baseline, i, Pubkey::new_unique()),
                    expected: code(ErrorCode::AccountNotInitialized),
                });
            }
            SlotKind::Token { mutable, cosplay } => {
                if mutable {
                    cases.push(Case {
                        label: format!("M2 clear writable, {name}"),
                        ix: set_meta(baseline, i, |m| m.is_writable = false),
                        expected: code(ErrorCode::ConstraintMut),
                    });
                }
                let foreign = foreign_owned_copy(ctx, &baseline.accounts[i].pubkey).await;
                cases.push(Case {
                    label: format!("M3 wrong owner, {name}"),
                    ix: replace(baseline, i, foreign),
                    expected: code(ErrorCode::AccountOwnedByWrongProgram),
                });
                if let Some(other) = cosplay {
                    // anchor-spl unpacks SPL state with the token program's own parser, which
                    // rejects the other SPL type with ProgramError::InvalidAccountData.
                    cases.push(Case {
                        label: format!("M5 cosplay, {name}"),
                        ix: replace(baseline, i, other),
                        expected: InstructionError::InvalidAccountData,
                    });
                }
                cases.push(Case {
                    label: format!("M6 uninitialized, {name}"),
                    ix: replace(baseline, i, Pubkey::new_unique()),
                    expected: code(ErrorCode::AccountNotInitialized),
                });
            }
            SlotKind::Init => {
                cases.push(Case {
                    label: format!("non-canonical address, {name}"),
                    ix: replace(baseline, i, Pubkey::new_unique()),
                    expected: code(ErrorCode::ConstraintSeeds),
                });
            }
            SlotKind::Signer { mutable } => {
                cases.push(Case {
                    label: format!("M1 clear signer, {name}"),
                    ix: set_meta(baseline, i, |m| m.is_signer = false),
                    expected: code(ErrorCode::AccountNotSigner),
                });
                if mutable {
                    cases.push(Case {
                        label: format!("M2 clear writable, {name}"),
                        ix: set_meta(baseline, i, |m| m.is_writable = false),
                        expected: code(ErrorCode::ConstraintMut),
                    });
                }
            }
            SlotKind::Program => cases.push(Case {
                label: format!("M9 wrong program, {name}"),
                ix: replace(
                    baseline,
                    i,
                    anchor_lang::solana_program::bpf_loader_upgradeable::ID,
                ),
                expected: code(ErrorCode::InvalidProgramId),
            }),
            SlotKind::EventAuthority => cases.push(Case {
                label: format!("forged event authority, {name}"),
                ix: replace(baseline, i, Pubkey::new_unique()),
                expected: code(ErrorCode::ConstraintAddress),
            }),
            SlotKind::EventProgram => {}
            SlotKind::KeyAsData { error } => cases.push(Case {
                label: format!("substituted key, {name}"),
                ix: replace(baseline, i, Pubkey::new_unique()),
                expected: InstructionError::Custom(error),
            }),
            SlotKind::Remaining { error } => {
                let foreign = foreign_owned_copy(ctx, &baseline.accounts[i].pubkey).await;
                cases.push(Case {
                    label: format!("M3 wrong owner, {name}"),
                    ix: replace(baseline, i, foreign),
                    expected: InstructionError::Custom(error),
                });
                cases.push(Case {
                    label: format!("M6 unknown account, {name}"),
                    ix: replace(baseline, i, Pubkey::new_unique()),
                    expected: InstructionError::Custom(error),
                });
            }
            SlotKind::Address { error, mutable } => {
                if mutable {
                    cases.push(Case {
                        label: format!("M2 clear writable, {name}"),
                        ix: set_meta(baseline, i, |m| m.is_writable = false),
                        expected: code(ErrorCode::ConstraintMut),
                    });
                }
                cases.push(Case {
                    label: format!("substituted address, {name}"),
                    ix: replace(baseline, i, Pubkey::new_unique()),
                    expected: InstructionError::Custom(error),
                });
            }
        }
    }
    cases.extend(alias_cases(ctx, baseline, slots).await);
    cases.push(Case {
        label: "M11 truncated data".into(),
        ix: {
            let mut ix = baseline.clone();
            ix.data.truncate(ix.data.len().saturating_sub(1).max(8));
            if ix.data == baseline.data {
                ix.data.truncate(7);
            }
            ix
        },
        expected: if baseline.data.len() > 8 {
            code(ErrorCode::InstructionDidNotDeserialize)
        } else {
            code(ErrorCode::InstructionFallbackNotFound)
        },
    });
    cases.push(Case {
        label: "M11 unknown discriminator".into(),
        ix: {
            let mut ix = baseline.clone();
            ix.data[..8].copy_from_slice(&[0xEE; 8]);
            ix
        },
        expected: code(ErrorCode::InstructionFallbackNotFound),
    });

    cases.retain(|case| {
        let changed = case.ix.accounts.iter().zip(&baseline.accounts).find(|(a, b)| a != b);
        !matches!(changed, Some((_, original)) if flag_set_elsewhere(prefix, &case.ix, &original.pubkey, &case.label))
    });
    let mut report = MatrixReport::default();
    let with_prefix = |ix: &Instruction| {
        prefix
            .iter()
            .cloned()
            .chain([ix.clone()])
            .collect::<Vec<_>>()
    };
    for case in &cases {
        let compared = ctx
            .expect_instruction_error(&case.label, &with_prefix(&case.ix), signers, &case.expected)
            .await;
        report.cases += 1;
        report.accounts_compared += compared;
    }
    landed(ctx.send(&with_prefix(baseline), signers).await);
    report
}

/// M7: for every two mutable program accounts of the same type (same owner and discriminator),
/// the second aliased to the first.
async fn alias_cases(ctx: &TestContext, baseline: &Instruction, slots: &[SlotKind]) -> Vec<Case> {
    let mut typed: Vec<(usize, Pubkey, Vec<u8>)> = Vec::new();
    for (i, kind) in slots.iter().enumerate() {
        if matches!(kind, SlotKind::Account { mutable: true, .. }) {
            let account = ctx
                .chain
                .account(&baseline.accounts[i].pubkey)
                .await
                .expect("read");
            if let Some(account) = account.filter(|a| a.data.len() >= 8) {
                typed.push((i, account.owner, account.data[..8].to_vec()));
            }
        }
    }
    let mut cases = Vec::new();
    for (n, (first, owner, discriminator)) in typed.iter().enumerate() {
        for (second, other_owner, other_discriminator) in &typed[n + 1..] {
            if owner == other_owner && discriminator == other_discriminator {
                cases.push(Case {
                    label: format!("M7 alias slot {second} to slot {first}"),
                    ix: replace(baseline, *second, baseline.accounts[*first].pubkey),
                    expected: code(ErrorCode::ConstraintDuplicateMutableAccount),
                });
            }
        }
    }
    cases
}

/// A copy of the account at `source` (same bytes and lamports) owned by another program.
async fn foreign_owned_copy(ctx: &TestContext, source: &Pubkey) -> Pubkey {
    let original = ctx
        .chain
        .account(source)
        .await
        .expect("read")
        .expect("slot account exists");
    let copy = Pubkey::new_unique();
    ctx.chain
        .set_account(
            &copy,
            Account {
                owner: Pubkey::new_unique(),
                ..original
            },
        )
        .await;
    copy
}
