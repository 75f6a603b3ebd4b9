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

anchor_entry!(agent_registry_entry, agent_registry::entry);
anchor_entry!(compression_entry, mpl_account_compression::entry);

fn noop_entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    mpl_noop::noop(program_id, accounts, data)
}

fn ours(
    name: &'static str,
    id: Pubkey,
    entry: Option<BuiltinFunctionWithContext>,
) -> NativeProgram {
    NativeProgram {
        name,
        id,
        entry: entry.expect("processor! always returns Some"),
        upgradeable: true,
    }
}

fn external(
    name: &'static str,
    id: Pubkey,
    entry: Option<BuiltinFunctionWithContext>,
) -> NativeProgram {
    NativeProgram {
        name,
        id,
        entry: entry.expect("processor! always returns Some"),
        upgradeable: false,
    }
}

/// Every natively loaded program.
pub fn native_programs() -> Vec<NativeProgram> {
    vec![
        ours(
            "agent_registry",
            agent_registry::ID,
            processor!(agent_registry_entry),
        ),
        external(
            "mpl_account_compression",
            mpl_account_compression::ID,
            processor!(compression_entry),
        ),
        external("mpl_noop", mpl_noop::ID, processor!(noop_entry)),
    ]
}
