//! Transaction logs as a validator writes them, from what solana-program-test writes for
//! natively loaded programs, and natively built programs' `msg!` lines routed into them.
//!
//! solana-program-test logs a native program's invocation twice (the runtime's line, then its
//! mock loader's) and a CPI from a native program once more at the caller's height
//! (`Program S invoke [1]` then `Program S invoke [2]`), each closed by as many `success`
//! lines. One instruction making three CPIs reads `invoke [1]` four times, and log parsers
//! (Anchor's `EventParser`) lose their place. [`nest`] merges each run of adjacent invoke
//! lines of one program into one at its true height and keeps one closing line for it.
//! (A validator never writes two adjacent invokes of the same program: Anchor logs the
//! instruction's name first.)
use std::cell::Cell;

thread_local! {
    /// Natively loaded programs executing on this thread (CPIs nest).
    static RUNNING: Cell<u32> = const { Cell::new(0) };
}

/// Held while a natively loaded program runs: its `msg!` lines go into the transaction's log.
pub struct ProgramRunning;

impl ProgramRunning {
    pub fn enter() -> Self {
        RUNNING.with(|running| running.set(running.get() + 1));
        ProgramRunning
    }
}

impl Drop for ProgramRunning {
    fn drop(&mut self) {
        RUNNING.with(|running| running.set(running.get().saturating_sub(1)));
    }
}

/// The native logger (`solana_msg::set_native_logger`): inside a program, the line goes into
/// the running transaction's log collector as `Program log: <line>` (solana-program-test's
/// syscall stubs), as an SBF program's would; it is also printed, as before, for
/// `serve --program-log`. Outside a program it is only printed.
pub fn route(message: &str) {
    if RUNNING.with(Cell::get) > 0 {
        solana_sysvar::program_stubs::sol_log(message);
    }
    println!("{message}");
}

/// One invocation still open: its program and how many closing lines it still expects.
struct Open<'a> {
    program: &'a str,
    closers: usize,
    closed: bool,
}

enum Line<'a> {
    Invoke(&'a str),
    Close(&'a str),
    Other,
}

fn classify(line: &str) -> Line<'_> {
    let words: Vec<&str> = line.splitn(4, ' ').collect();
    match words.as_slice() {
        ["Program", program, "invoke", height] if height.starts_with('[') => Line::Invoke(program),
        ["Program", program, "success"] => Line::Close(program),
        ["Program", program, failed, ..] if *failed == "failed:" => Line::Close(program),
        _ => Line::Other,
    }
}

/// `logs` with every invocation logged once, at its true stack height.
pub fn nest(logs: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(logs.len());
    let mut open: Vec<Open> = Vec::new();
    let mut merging = false;
    for line in &logs {
        match classify(line) {
            Line::Invoke(program) => {
                if merging && open.last().is_some_and(|o| o.program == program) {
                    open.last_mut().expect("checked").closers += 1;
                    continue;
                }
                open.push(Open {
                    program,
                    closers: 1,
                    closed: false,
                });
                out.push(format!("Program {program} invoke [{}]", open.len()));
                merging = true;
            }
            Line::Close(program) => {
                merging = false;
                // Invocations that ended without all their closing lines (a failed CPI).
                while open.len() > 1 && open.last().is_some_and(|o| o.program != program) {
                    open.pop();
                }
                match open.last_mut() {
                    Some(top) if top.program == program => {
                        if !top.closed {
                            top.closed = true;
                            out.push(line.clone());
                        }
                        top.closers -= 1;
                        if top.closers == 0 {
                            open.pop();
                        }
                    }
                    _ => out.push(line.clone()),
                }
            }
            Line::Other => {
                merging = false;
                out.push(line.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(|l| l.trim().to_string()).collect()
    }

    #[test]
    fn test_program_test_duplicates_become_one_invocation_at_its_height() {
        // As solana-program-test logs a native program R that CPIs into the system program,
        // emits an event through a self-CPI, then a second instruction that fails.
        let logged = lines(
            "Program R invoke [1]
             Program R invoke [1]
             Program log: Instruction: Execute
             Program S invoke [1]
             Program S invoke [2]
             Program S success
             Program S success
             Program R invoke [1]
             Program R invoke [2]
             Program R invoke [2]
             Program R success
             Program R success
             Program R success
             Program R success
             Program R success
             Program T invoke [1]
             Program T invoke [1]
             Program log: AnchorError occurred.
             Program T failed: custom program error: 0x1770
             Program T failed: custom program error: 0x1770",
        );
        assert_eq!(
            nest(logged),
            lines(
                "Program R invoke [1]
                 Program log: Instruction: Execute
                 Program S invoke [2]
                 Program S success
                 Program R invoke [2]
                 Program R success
                 Program R success
                 Program T invoke [1]
                 Program log: AnchorError occurred.
                 Program T failed: custom program error: 0x1770"
            )
        );
    }

    #[test]
    fn test_logs_a_validator_wrote_are_unchanged() {
        let logged = lines(
            "Program A invoke [1]
             Program log: Instruction: Go
             Program B invoke [2]
             Program log: Instruction: Transfer
             Program B consumed 4645 of 200000 compute units
             Program B success
             Program A success",
        );
        assert_eq!(nest(logged.clone()), logged);
    }
}
