//! Names and messages of every error a transaction of ours can end with, so a custom error code
//! reads as what went wrong (`6426` → `runner::SlippageExceeded (6426): …`): AgentRunner's
//! programs (from the committed IDLs), the errors they share (`onchain_common`, 7000-7002),
//! Anchor's framework errors (100-5000: `ConstraintSeeds`, `AccountNotInitialized`, ...), and
//! the SPL Token, Associated Token Account and System programs. Codes below 6000 mean
//! different things in different programs, so the program that failed is read from the logs
//! where there are logs.
use std::{collections::HashMap, sync::OnceLock};

use anchor_lang::{error::ErrorCode as AnchorCode, prelude::Pubkey};
use onchain_common::CommonError;
use serde::Deserialize;
use solana_instruction::error::InstructionError;
use solana_transaction_error::TransactionError;

const IDLS: &[(&str, &str)] = &[
    (
        "agent_registry",
        include_str!("../../../idl/agent_registry.json"),
    ),
    ("escrow", include_str!("../../../idl/escrow.json")),
    ("market", include_str!("../../../idl/market.json")),
    ("receipts", include_str!("../../../idl/receipts.json")),
    ("runner", include_str!("../../../idl/runner.json")),
    ("sim_venue", include_str!("../../../idl/sim_venue.json")),
];

#[derive(Deserialize)]
struct IdlError {
    code: u32,
    name: String,
    msg: Option<String>,
}

#[derive(Deserialize)]
struct Idl {
    #[serde(default)]
    errors: Vec<IdlError>,
}

/// A program error: its program, name and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramError {
    pub program: &'static str,
    pub name: String,
    pub message: String,
}

/// AgentRunner's program ids, by the names their IDLs use.
fn program_id(name: &str) -> Pubkey {
    match name {
        "agent_registry" => agent_registry::ID,
        "escrow" => escrow::ID,
        "market" => market::ID,
        "receipts" => receipts::ID,
        "runner" => runner::ID,
        _ => sim_venue::ID,
    }
}

/// Every IDL error of every AgentRunner program, by (program, code).
fn table() -> &'static HashMap<(Pubkey, u32), ProgramError> {
    static TABLE: OnceLock<HashMap<(Pubkey, u32), ProgramError>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        for (program, json) in IDLS {
            let idl: Idl = serde_json::from_str(json).unwrap_or(Idl { errors: Vec::new() });
            for error in idl.errors {
                table.insert(
                    (program_id(program), error.code),
                    ProgramError {
                        program,
                        name: error.name,
                        message: error.msg.unwrap_or_default(),
                    },
                );
            }
        }
        table
    })
}

/// Anchor's framework errors (the enum's variants; names, codes and messages are Anchor's).
const ANCHOR_ERRORS: &[AnchorCode] = {
    use AnchorCode::*;
    &[
        InstructionMissing,
        InstructionFallbackNotFound,
        InstructionDidNotDeserialize,
        InstructionDidNotSerialize,
        IdlInstructionStub,
        IdlInstructionInvalidProgram,
        IdlAccountNotEmpty,
        EventInstructionStub,
        ConstraintMut,
        ConstraintHasOne,
        ConstraintSigner,
        ConstraintRaw,
        ConstraintOwner,
        ConstraintRentExempt,
        ConstraintSeeds,
        ConstraintExecutable,
        ConstraintState,
        ConstraintAssociated,
        ConstraintAssociatedInit,
        ConstraintClose,
        ConstraintAddress,
        ConstraintZero,
        ConstraintTokenMint,
        ConstraintTokenOwner,
        ConstraintMintMintAuthority,
        ConstraintMintFreezeAuthority,
        ConstraintMintDecimals,
        ConstraintSpace,
        ConstraintAccountIsNone,
        ConstraintTokenTokenProgram,
        ConstraintMintTokenProgram,
        ConstraintAssociatedTokenTokenProgram,
        ConstraintDuplicateMutableAccount,
        RequireViolated,
        RequireEqViolated,
        RequireKeysEqViolated,
        RequireNeqViolated,
        RequireKeysNeqViolated,
        RequireGtViolated,
        RequireGteViolated,
        AccountDiscriminatorAlreadySet,
        AccountDiscriminatorNotFound,
        AccountDiscriminatorMismatch,
        AccountDidNotDeserialize,
        AccountDidNotSerialize,
        AccountNotEnoughKeys,
        AccountNotMutable,
        AccountOwnedByWrongProgram,
        InvalidProgramId,
        InvalidProgramExecutable,
        AccountNotSigner,
        AccountNotSystemOwned,
        AccountNotInitialized,
        AccountNotProgramData,
        AccountNotAssociatedTokenAccount,
        AccountSysvarMismatch,
        AccountReallocExceedsLimit,
        AccountDuplicateReallocs,
        DeclaredProgramIdMismatch,
        TryingToInitPayerAsProgramAccount,
        InvalidNumericConversion,
        Deprecated,
    ]
};

const COMMON_ERRORS: &[CommonError] = &[
    CommonError::MathOverflow,
    CommonError::DivisionByZero,
    CommonError::CastOverflow,
];

fn named(program: &'static str, name: String, message: String) -> ProgramError {
    ProgramError {
        program,
        name,
        message,
    }
}

/// The error `program` (when known) failed with as custom code `code`.
pub fn lookup(program: Option<&Pubkey>, code: u32) -> Option<ProgramError> {
    let token = [spl_token_interface::ID, anchor_spl::token_2022::ID];
    match program {
        Some(p) if token.contains(p) => {
            let e = spl_token_interface::error::TokenError::try_from(code).ok()?;
            return Some(named("spl_token", format!("{e:?}"), e.to_string()));
        }
        Some(p) if *p == solana_system_interface::program::ID => {
            let e = solana_system_interface::error::SystemError::try_from(code).ok()?;
            return Some(named("system", format!("{e:?}"), e.to_string()));
        }
        Some(p) if *p == spl_associated_token_account_interface::program::ID => {
            return (code == 0).then(|| {
                named(
                    "associated_token",
                    "InvalidOwner".into(),
                    "Associated token account owner does not match address derivation".into(),
                )
            });
        }
        _ => {}
    }
    if let Some(e) = ANCHOR_ERRORS.iter().find(|e| u32::from(**e) == code) {
        return Some(named("anchor", e.name(), e.to_string()));
    }
    if let Some(e) = COMMON_ERRORS.iter().find(|e| u32::from(**e) == code) {
        return Some(named("common", e.name(), e.to_string()));
    }
    match program {
        Some(p) => table().get(&(*p, code)).cloned(),
        // No program known: AgentRunner's codes are unique across its programs.
        None => table()
            .iter()
            .find(|((_, c), _)| *c == code)
            .map(|(_, e)| e.clone()),
    }
}

/// The innermost program a transaction's `logs` report failing (`Program <id> failed: ...`).
pub fn failing_program(logs: &[String]) -> Option<Pubkey> {
    logs.iter().find_map(|line| {
        let rest = line.strip_prefix("Program ")?;
        let (id, tail) = rest.split_once(' ')?;
        tail.starts_with("failed")
            .then(|| id.parse().ok())
            .flatten()
    })
}

/// A transaction error in words, naming the program error where there is one.
pub fn describe(error: &TransactionError) -> String {
    describe_with_logs(error, &[])
}

/// [`describe`], with the failing program read from the transaction's `logs`.
pub fn describe_with_logs(error: &TransactionError, logs: &[String]) -> String {
    match error {
        TransactionError::InstructionError(index, InstructionError::Custom(code)) => {
            match lookup(failing_program(logs).as_ref(), *code) {
                Some(e) => format!(
                    "instruction {index}: {}::{} ({code}): {}",
                    e.program, e.name, e.message
                ),
                None => format!("instruction {index}: custom error {code}"),
            }
        }
        other => other.to_string(),
    }
}

/// An Anchor error as `Name: message`.
pub fn anchor_error_text(error: &anchor_lang::error::Error) -> String {
    match error {
        anchor_lang::error::Error::AnchorError(e) => format!("{}: {}", e.error_name, e.error_msg),
        anchor_lang::error::Error::ProgramError(e) => e.to_string(),
    }
}

/// The custom code of an Anchor error.
pub fn anchor_error_code(error: &anchor_lang::error::Error) -> Option<u32> {
    match error {
        anchor_lang::error::Error::AnchorError(e) => Some(e.error_code_number),
        anchor_lang::error::Error::ProgramError(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_codes_resolve_to_their_program_and_name() {
        let slippage = u32::from(runner::error::RunnerError::SlippageExceeded);
        let e = lookup(Some(&runner::ID), slippage).unwrap();
        assert_eq!((e.program, e.name.as_str()), ("runner", "SlippageExceeded"));
        let expired = u32::from(escrow::error::EscrowError::GrantExpired);
        assert_eq!(lookup(None, expired).unwrap().program, "escrow");
        let seeds = lookup(Some(&market::ID), 2006).unwrap();
        assert_eq!(
            (seeds.program, seeds.name.as_str()),
            ("anchor", "ConstraintSeeds")
        );
        assert_eq!(lookup(None, 3012).unwrap().name, "AccountNotInitialized");
        assert_eq!(lookup(None, 7000).unwrap().name, "MathOverflow");
        let token = lookup(Some(&spl_token_interface::ID), 1).unwrap();
        assert_eq!(
            (token.program, token.name.as_str()),
            ("spl_token", "InsufficientFunds")
        );
        let system = lookup(Some(&solana_system_interface::program::ID), 0).unwrap();
        assert_eq!(system.name, "AccountAlreadyInUse");
        // A token failure inside a runner instruction: the logs name the program.
        let logs = [
            format!("Program {} invoke [1]", runner::ID),
            format!("Program {} invoke [2]", spl_token_interface::ID),
            format!(
                "Program {} failed: custom program error: 0x1",
                spl_token_interface::ID
            ),
            format!("Program {} failed: custom program error: 0x1", runner::ID),
        ];
        let error = TransactionError::InstructionError(0, InstructionError::Custom(1));
        assert!(describe_with_logs(&error, &logs).contains("spl_token::InsufficientFunds"));
        assert!(describe(&TransactionError::InstructionError(
            0,
            InstructionError::Custom(slippage)
        ))
        .contains("runner::SlippageExceeded"));
    }
}
