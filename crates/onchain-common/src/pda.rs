//! Creating program-derived accounts safely when their address is predictable.
//!
//! Anchor 1.2's `init` funds an address that already holds lamports with the system program's
//! `CreateAccountAllowPrefund` (SIMD-0312). Agave 3.1 does not implement that instruction and
//! 4.x gates it behind a feature, so there `init` fails with `InvalidInstructionData` on any
//! address someone has sent a lamport to: anyone could brick a registry config, an agent name or
//! a budget before it is created. [`init_pda_account`] uses the instructions every runtime has:
//! `CreateAccount` for an empty address, else `Transfer` (top-up) + `Allocate` + `Assign`.
//! An address that already holds data or belongs to a program still fails, with the system
//! program's `AccountAlreadyInUse` (custom error 0).
use anchor_lang::{
    prelude::*,
    system_program::{self, Allocate, Assign, CreateAccount, Transfer},
    Discriminator,
};

/// Creates the PDA `target` (signed by `signer_seeds`, which must include the bump) owned by
/// `owner` with `space` bytes, rent-exempt, funded by `payer`, whether or not it was prefunded.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let required = Rent::get()?.minimum_balance(space).max(1);
    let current = target.lamports();
    let signer = &[signer_seeds];
    let program = system_program.key();
    if current == 0 {
        let accounts = CreateAccount {
            from: payer.clone(),
            to: target.clone(),
        };
        return system_program::create_account(
            CpiContext::new_with_signer(program, accounts, signer),
            required,
            space as u64,
            owner,
        );
    }
    let top_up = required.saturating_sub(current);
    if top_up > 0 {
        let accounts = Transfer {
            from: payer.clone(),
            to: target.clone(),
        };
        system_program::transfer(CpiContext::new(program, accounts), top_up)?;
    }
    let accounts = Allocate {
        account_to_allocate: target.clone(),
    };
    system_program::allocate(
        CpiContext::new_with_signer(program, accounts, signer),
        space as u64,
    )?;
    let accounts = Assign {
        account_to_assign: target.clone(),
    };
    system_program::assign(
        CpiContext::new_with_signer(program, accounts, signer),
        owner,
    )
}

/// Creates the PDA `target` for the Anchor account type `T` (space `8 + T::INIT_SPACE`, owner
/// this program) and writes `value` with its discriminator.
pub fn init_pda_account<'info, T>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    signer_seeds: &[&[u8]],
    value: &T,
) -> Result<()>
where
    T: AccountSerialize + Owner + Space + Discriminator,
{
    let space = T::DISCRIMINATOR.len().saturating_add(T::INIT_SPACE);
    create_pda_account(
        payer,
        target,
        system_program,
        space,
        &T::owner(),
        signer_seeds,
    )?;
    let mut data = target.try_borrow_mut_data()?;
    let mut writer: &mut [u8] = &mut data;
    value.try_serialize(&mut writer)
}

/// A PDA seed that Anchor's IDL account resolution cannot express (a hash of an argument, a
/// byte cast from an enum, a counter read from another account): the seed itself, unchanged,
/// which the IDL builder skips instead of emitting code that does not compile. Clients derive
/// such accounts with `agentrunner_client::pda`.
#[macro_export]
macro_rules! unresolved_seed {
    ($seed:expr) => {
        $seed
    };
}
