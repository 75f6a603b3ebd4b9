//! The programs the embedded chain loads natively. Anchor's `entry` takes one lifetime for all
//! three arguments; the bank keeps them alive for the call, so widening is sound here.
use anchor_lang::{
    prelude::{AccountInfo, Pubkey},
    solana_program::entrypoint::ProgramResult,
};
use solana_program_runtime::invoke_context::BuiltinFunctionWithContext;
use solana_program_test::processor;

/// A program loaded natively into the bank.
pub struct NativeProgram {
    /// Name used in logs.
    pub name: &'static str,
    /// Program id.
    pub id: Pubkey,
    /// The native entrypoint.
    pub entry: BuiltinFunctionWithContext,
    /// AgentRunner's own programs get a ProgramData account whose upgrade authority is the
    /// chain's deployer, exactly as `solana program deploy` leaves it on a cluster.
    pub upgradeable: bool,
}

macro_rules! anchor_entry {
    ($name:ident, $entry:path) => {
        fn $name<'a, 'info>(
            program_id: &'a Pubkey,
            accounts: &'a [AccountInfo<'info>],
            data: &'a [u8],
        ) -> ProgramResult {
            let _running = crate::logs::ProgramRunning::enter();
            // SAFETY: see the module docs; the bank keeps all three alive for the whole call.
            unsafe {
                $entry(
                    std::mem::transmute::<&'a Pubkey, &'info Pubkey>(program_id),
                    std::mem::transmute::<&'a [AccountInfo<'info>], &'info [AccountInfo<'info>]>(
                        accounts,
                    ),
                    std::mem::transmute::<&'a [u8], &'info [u8]>(data),
                )
            }
        }
    };
}

fn noop_entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let _running = crate::logs::ProgramRunning::enter();
    mpl_noop::noop(program_id, accounts, data)
}

/// A native program from `processor!(entry)` (the coercion to the bank's builtin type happens
/// here).
pub fn native(
    name: &'static str,
    id: Pubkey,
    entry: Option<BuiltinFunctionWithContext>,
    upgradeable: bool,
) -> NativeProgram {
    let entry = entry.expect("processor! always returns Some");
    NativeProgram {
        name,
        id,
        entry,
        upgradeable,
    }
}

/// A natively loaded Anchor program named after its crate; `upgradeable` as for [`NativeProgram`].
macro_rules! anchor_program {
    ($krate:ident, upgradeable: $upgradeable:expr) => {{
        anchor_entry!(entry, $krate::entry);
        native(
            stringify!($krate),
            $krate::ID,
            processor!(entry),
            $upgradeable,
        )
    }};
}

/// Every natively loaded program: AgentRunner's own (one line each), then the dependencies.
pub fn native_programs() -> Vec<NativeProgram> {
    vec![
        anchor_program!(agent_registry, upgradeable: true),
        anchor_program!(escrow, upgradeable: true),
        anchor_program!(market, upgradeable: true),
        anchor_program!(receipts, upgradeable: true),
        anchor_program!(runner, upgradeable: true),
        anchor_program!(sim_venue, upgradeable: true),
        anchor_program!(mpl_account_compression, upgradeable: false),
        native("mpl_noop", mpl_noop::ID, processor!(noop_entry), false),
    ]
}
