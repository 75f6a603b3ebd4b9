//! The owner's capital path (docs/ARCHITECTURE.md, "Custody").
//!
//! One SPL delegation per owner and token account serves every plan. The owner's delegate
//! `["delegate", owner]` holds, on the owner's associated token account of each mint that an
//! approved plan sells, an allowance equal to the sum of those plans' remaining inputs:
//! `approve_plan` raises it by the plan's share, every execution consumes exactly one step's
//! `amount_in` of it, and `cancel_plan` / `close_plan` lower it by whatever the plan had left.
//! How much one plan may sell is decided by the plan's own state (each step's `amount_in` times
//! its executions left), never by the allowance, which is only an upper bound.
//!
//! The runner signs with the delegate in exactly one place, [`fund_staging`]: a transfer it
//! builds itself of one step's `amount_in` from the owner's account into the owner's staging
//! account `["staging", owner, mint]`, a token account whose authority is itself. The venue
//! call carries only that staging account's signature, which covers that one account; the
//! venue's output lands in the owner's account; whatever the venue leaves in staging goes back
//! to the owner in the same instruction ([`return_leftover`]), and staging must end as it began.
use anchor_lang::prelude::*;
use anchor_spl::token::{self, TokenAccount};
use onchain_common::pda::create_pda_account;

use crate::{
    constants::{DELEGATE_SEED, STAGING_SEED},
    error::RunnerError,
    state::MintPolicy,
};

/// Byte range of a token account's owner in the SPL Token layout.
const TOKEN_OWNER: std::ops::Range<usize> = 32..64;
/// Byte range of a token account's amount in the SPL Token layout.
const TOKEN_AMOUNT: std::ops::Range<usize> = 64..72;

/// The owner's associated token account of `policy.mint` (SPL Token), from the stored bump.
pub fn owner_account(owner: &Pubkey, policy: &MintPolicy) -> Result<Pubkey> {
    Pubkey::create_program_address(
        &[
            owner.as_ref(),
            token::ID.as_ref(),
            policy.mint.as_ref(),
            &[policy.owner_account_bump],
        ],
        &anchor_spl::associated_token::ID,
    )
    .map_err(|_| error!(RunnerError::InvalidPlan))
}

/// The owner's delegate `["delegate", owner]`, from the stored bump.
pub fn delegate(owner: &Pubkey, bump: u8) -> Result<Pubkey> {
    Pubkey::create_program_address(&[DELEGATE_SEED, owner.as_ref(), &[bump]], &crate::ID)
        .map_err(|_| error!(RunnerError::InvalidPlan))
}

/// The owner's staging account of `policy.mint`, from the stored bump.
pub fn staging_account(owner: &Pubkey, policy: &MintPolicy) -> Result<Pubkey> {
    Pubkey::create_program_address(
        &[
            STAGING_SEED,
            owner.as_ref(),
            policy.mint.as_ref(),
            &[policy.staging_bump],
        ],
        &crate::ID,
    )
    .map_err(|_| error!(RunnerError::InvalidPlan))
}

/// An SPL Token account at `info`, or `None` when the address holds no account.
pub fn token_account(info: &AccountInfo) -> Result<Option<TokenAccount>> {
    if info.data_is_empty() && *info.owner == anchor_lang::system_program::ID {
        return Ok(None);
    }
    require_keys_eq!(
        *info.owner,
        token::ID,
        anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram
    );
    let data = info.try_borrow_data()?;
    Ok(Some(TokenAccount::try_deserialize(&mut &data[..])?))
}

/// What `account` lets `delegate` move: its delegated amount if `delegate` is its delegate.
pub fn allowance(account: &TokenAccount, delegate: &Pubkey) -> u64 {
    if account.delegate.contains(delegate) {
        account.delegated_amount
    } else {
        0
    }
}

/// Sets the allowance of the owner's `account` for `delegate` to `amount` (a revoke at zero);
/// `owner` signs the transaction.
pub fn set_allowance<'info>(
    token_program: &AccountInfo<'info>,
    account: &AccountInfo<'info>,
    delegate: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        let accounts = token::Revoke {
            source: account.clone(),
            authority: owner.clone(),
        };
        return token::revoke(CpiContext::new(token_program.key(), accounts));
    }
    let accounts = token::Approve {
        to: account.clone(),
        delegate: delegate.clone(),
        authority: owner.clone(),
    };
    token::approve(CpiContext::new(token_program.key(), accounts), amount)
}

/// A staging account can carry nothing but one step's input: it is its own authority, with no
/// delegate, no close authority, not frozen.
pub fn require_pristine(key: &Pubkey, account: &TokenAccount) -> Result<()> {
    require!(
        account.owner == *key
            && account.delegate.is_none()
            && account.close_authority.is_none()
            && account.state == token::spl_token::state::AccountState::Initialized,
        RunnerError::StagingTampered
    );
    Ok(())
}

/// The accounts that create or use a staging account.
pub struct Staging<'info> {
    pub account: AccountInfo<'info>,
    /// The plan owner whose staging account this is.
    pub owner: Pubkey,
    /// The policy entry of its mint (bumps).
    pub policy: MintPolicy,
    pub token_program: AccountInfo<'info>,
}

impl<'info> Staging<'info> {
    fn seeds<'s>(&'s self, bump: &'s [u8; 1]) -> [&'s [u8]; 4] {
        [
            STAGING_SEED,
            self.owner.as_ref(),
            self.policy.mint.as_ref(),
            bump,
        ]
    }

    /// Creates the staging account (rent from `payer`) unless it exists, then checks it is
    /// pristine.
    pub fn ensure(
        &self,
        payer: &AccountInfo<'info>,
        mint: &AccountInfo<'info>,
        system_program: &AccountInfo<'info>,
    ) -> Result<()> {
        let bump = [self.policy.staging_bump];
        let seeds = self.seeds(&bump);
        if token_account(&self.account)?.is_none() {
            create_pda_account(
                payer,
                &self.account,
                system_program,
                TokenAccount::LEN,
                &token::ID,
                &seeds,
            )?;
            let accounts = token::InitializeAccount3 {
                account: self.account.clone(),
                mint: mint.clone(),
                authority: self.account.clone(),
            };
            token::initialize_account3(CpiContext::new(self.token_program.key(), accounts))?;
        }
        let account = token_account(&self.account)?.ok_or(RunnerError::StagingMismatch)?;
        require_keys_eq!(account.mint, self.policy.mint, RunnerError::StagingMismatch);
        require_pristine(&self.account.key(), &account)
    }

    /// Returns `amount` from staging to the owner's account, staging signing.
    pub fn return_leftover(&self, owner_account: &AccountInfo<'info>, amount: u64) -> Result<()> {
        let bump = [self.policy.staging_bump];
        let seeds = self.seeds(&bump);
        let accounts = token::Transfer {
            from: self.account.clone(),
            to: owner_account.clone(),
            authority: self.account.clone(),
        };
        token::transfer(
            CpiContext::new_with_signer(self.token_program.key(), accounts, &[&seeds]),
            amount,
        )
    }

    /// Signer seeds the venue call carries: the staging account's own.
    pub fn with_signature<T>(&self, call: impl FnOnce(&[&[u8]]) -> Result<T>) -> Result<T> {
        let bump = [self.policy.staging_bump];
        call(&self.seeds(&bump))
    }
}

/// Moves exactly `amount` from the owner's account into staging, the owner's delegate signing.
/// The runner builds this instruction itself; it is the delegate's only use.
pub fn fund_staging<'info>(
    staging: &Staging<'info>,
    owner_account: &AccountInfo<'info>,
    delegate: &AccountInfo<'info>,
    delegate_bump: u8,
    amount: u64,
) -> Result<()> {
    let seeds: &[&[u8]] = &[DELEGATE_SEED, staging.owner.as_ref(), &[delegate_bump]];
    let accounts = token::Transfer {
        from: owner_account.clone(),
        to: staging.account.clone(),
        authority: delegate.clone(),
    };
    token::transfer(
        CpiContext::new_with_signer(staging.token_program.key(), accounts, &[seeds]),
        amount,
    )
}

/// Balances of the owner's token accounts among a venue call's accounts, to prove the call
/// changed none of them but the step's output.
pub struct OwnerBalances(Vec<(Pubkey, u64)>);

impl OwnerBalances {
    /// Every SPL token account in `accounts` owned by `owner`, except `output`.
    pub fn snapshot(accounts: &[AccountInfo], owner: &Pubkey, output: &Pubkey) -> Result<Self> {
        let mut balances = Vec::new();
        for info in accounts {
            if info.key == output || balances.iter().any(|(key, _)| key == info.key) {
                continue;
            }
            if let Some(amount) = owned_amount(info, owner)? {
                balances.push((*info.key, amount));
            }
        }
        Ok(Self(balances))
    }

    /// Every account of the snapshot still holds its amount.
    pub fn require_unchanged(&self, accounts: &[AccountInfo], owner: &Pubkey) -> Result<()> {
        for (key, amount) in &self.0 {
            let info = accounts
                .iter()
                .find(|info| info.key == key)
                .ok_or(RunnerError::OwnerAccountChanged)?;
            require!(
                owned_amount(info, owner)? == Some(*amount),
                RunnerError::OwnerAccountChanged
            );
        }
        Ok(())
    }
}

/// The amount of `info` if it is an SPL token account owned by `owner`.
fn owned_amount(info: &AccountInfo, owner: &Pubkey) -> Result<Option<u64>> {
    if *info.owner != token::ID || info.data_len() != TokenAccount::LEN {
        return Ok(None);
    }
    let data = info.try_borrow_data()?;
    if data[TOKEN_OWNER] != owner.to_bytes() {
        return Ok(None);
    }
    let mut amount = [0u8; 8];
    amount.copy_from_slice(&data[TOKEN_AMOUNT]);
    Ok(Some(u64::from_le_bytes(amount)))
}

/// One allowance change on an owner's account: (mint, before, after).
pub type AllowanceChange = (Pubkey, u64, u64);

/// The accounts that release a plan's share of the owner's delegation.
pub struct Release<'a, 'info> {
    pub owner: &'a AccountInfo<'info>,
    pub delegate: &'a AccountInfo<'info>,
    pub token_program: &'a AccountInfo<'info>,
}

impl<'info> Release<'_, 'info> {
    /// Lowers the owner's allowance on the account of each mint `plan` sells by what the plan
    /// has left of it. `accounts` are the owner's associated token accounts of the plan's input
    /// mints, in policy order, when the plan is approved, and nothing otherwise. An account
    /// that no longer exists or no longer delegates to the owner's delegate has nothing to
    /// lower.
    pub fn release(
        &self,
        plan: &crate::state::Plan,
        accounts: &[AccountInfo<'info>],
    ) -> Result<Vec<AllowanceChange>> {
        if !matches!(plan.custody, crate::state::Custody::Approved { .. }) {
            require!(accounts.is_empty(), RunnerError::CustodyAccountsMismatch);
            return Ok(Vec::new());
        }
        let inputs: Vec<MintPolicy> = plan.input_mints().copied().collect();
        require!(
            accounts.len() == inputs.len(),
            RunnerError::CustodyAccountsMismatch
        );
        let mut changes = Vec::with_capacity(inputs.len());
        for (policy, account) in inputs.iter().zip(accounts) {
            require_keys_eq!(
                account.key(),
                owner_account(&plan.owner, policy)?,
                RunnerError::CustodyAccountsMismatch
            );
            let Some(held) = token_account(account)? else {
                continue;
            };
            let before = allowance(&held, self.delegate.key);
            if before == 0 {
                continue;
            }
            let after = before.saturating_sub(plan.reserved_input(&policy.mint)?);
            set_allowance(
                self.token_program,
                account,
                self.delegate,
                self.owner,
                after,
            )?;
            changes.push((policy.mint, before, after));
        }
        Ok(changes)
    }
}
