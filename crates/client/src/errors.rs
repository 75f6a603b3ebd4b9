//! Names and messages of every AgentRunner program error, from the committed IDLs, so a custom
//! error code reads as what went wrong (`6426` → `runner: SlippageExceeded — …`).
use std::{collections::HashMap, sync::OnceLock};

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

fn table() -> &'static HashMap<u32, ProgramError> {
    static TABLE: OnceLock<HashMap<u32, ProgramError>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        for (program, json) in IDLS {
            let idl: Idl = serde_json::from_str(json).unwrap_or(Idl { errors: Vec::new() });
            for error in idl.errors {
                table.insert(
                    error.code,
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

/// The program error with custom code `code`, if it is one of AgentRunner's.
pub fn lookup(code: u32) -> Option<&'static ProgramError> {
    table().get(&code)
}

/// A transaction error in words, naming the program error where there is one.
pub fn describe(error: &TransactionError) -> String {
    match error {
        TransactionError::InstructionError(index, InstructionError::Custom(code)) => {
            match lookup(*code) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_codes_resolve_to_their_program_and_name() {
        let slippage = u32::from(runner::error::RunnerError::SlippageExceeded);
        let e = lookup(slippage).unwrap();
        assert_eq!((e.program, e.name.as_str()), ("runner", "SlippageExceeded"));
        let expired = u32::from(escrow::error::EscrowError::GrantExpired);
        assert_eq!(lookup(expired).unwrap().program, "escrow");
        assert!(describe(&TransactionError::InstructionError(
            0,
            InstructionError::Custom(slippage)
        ))
        .contains("runner::SlippageExceeded"));
    }
}
