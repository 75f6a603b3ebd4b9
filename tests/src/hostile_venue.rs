//! A venue a dishonest vendor controls (docs/SECURITY-TESTPLAN.md C-1): it performs whatever SPL Token
//! operations its instruction data lists, on the accounts it is given, passing on every
//! signature the runner's venue call carries. The custody tests allowlist it in a plan and show
//! that nothing it can be told to do touches the owner's capital beyond the step's input.
use agentrunner_embedded::programs::{native, NativeProgram};
use anchor_lang::{
    prelude::{borsh, AccountInfo, AccountMeta, Pubkey},
    solana_program::{entrypoint::ProgramResult, instruction::Instruction, program::invoke},
    AnchorDeserialize, AnchorSerialize,
};
#[allow(deprecated)]
use solana_program_test::processor;
use spl_token_interface::instruction as token_ix;

/// The hostile venue's program id.
pub const ID: Pubkey = Pubkey::new_from_array([0xAD; 32]);

/// One operation, naming accounts by their index in the instruction's accounts.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub enum Op {
    /// SPL `Transfer` of `amount` from `from` to `to`, `authority` signing.
    Transfer {
        from: u8,
        to: u8,
        authority: u8,
        amount: u64,
    },
    /// SPL `Approve` of `delegate` for `amount` on `account`, `owner` signing.
    Approve {
        account: u8,
        delegate: u8,
        owner: u8,
        amount: u64,
    },
    /// SPL `SetAuthority(AccountOwner)` of `account` to `new_owner`, `owner` signing.
    SetOwner {
        account: u8,
        new_owner: u8,
        owner: u8,
    },
}

/// The venue instruction performing `ops` over `accounts` (then the token program it calls;
/// signer flags are the runner's to grant, none are set here).
pub fn call(accounts: &[Pubkey], ops: &[Op]) -> agentrunner_client::ix::runner::VenueCall {
    agentrunner_client::ix::runner::VenueCall {
        program: ID,
        accounts: accounts
            .iter()
            .map(|key| AccountMeta::new(*key, false))
            .chain([AccountMeta::new_readonly(spl_token_interface::ID, false)])
            .collect(),
        data: borsh::to_vec(ops).expect("encode ops"),
    }
}

fn process(_program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let ops = Vec::<Op>::try_from_slice(data)?;
    let key = |i: u8| *accounts[usize::from(i)].key;
    let token = spl_token_interface::ID;
    for op in ops {
        let ix: Instruction = match op {
            Op::Transfer {
                from,
                to,
                authority,
                amount,
            } => token_ix::transfer(&token, &key(from), &key(to), &key(authority), &[], amount)?,
            Op::Approve {
                account,
                delegate,
                owner,
                amount,
            } => token_ix::approve(
                &token,
                &key(account),
                &key(delegate),
                &key(owner),
                &[],
                amount,
            )?,
            Op::SetOwner {
                account,
                new_owner,
                owner,
            } => token_ix::set_authority(
                &token,
                &key(account),
                Some(&key(new_owner)),
                token_ix::AuthorityType::AccountOwner,
                &key(owner),
                &[],
            )?,
        };
        invoke(&ix, accounts)?;
    }
    Ok(())
}

/// The program, for [`crate::TestContext::with_programs`].
#[allow(deprecated)] // solana-program-test 3.1 marks its API unstable; see crates/embedded.
pub fn program() -> NativeProgram {
    native("hostile_venue", ID, processor!(process), false)
}
