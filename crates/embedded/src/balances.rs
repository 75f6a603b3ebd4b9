//! Lamport and token balances of a transaction's accounts, read before and after it runs
//! (`preBalances`/`postBalances`/`preTokenBalances`/`postTokenBalances` in its meta).
use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_program_pack::Pack;

/// One token account's balance, as a transaction's meta reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBalance {
    /// Index of the token account in the transaction's account keys.
    pub account_index: u8,
    pub mint: Pubkey,
    pub owner: Pubkey,
    /// The token program that owns the account (SPL Token or Token-2022).
    pub program_id: Pubkey,
    /// In atoms.
    pub amount: u64,
    pub decimals: u8,
}

/// The balances of a transaction's accounts at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Balances {
    /// Lamports of each account key, in key order (0 where nothing exists).
    pub lamports: Vec<u64>,
    pub tokens: Vec<TokenBalance>,
}

fn is_token_program(owner: &Pubkey) -> bool {
    *owner == spl_token_interface::ID || *owner == spl_token_2022_interface::ID
}

/// Token-2022's account-type byte, after the base account layout, when extensions follow.
const ACCOUNT_TYPE_OFFSET: usize = spl_token_interface::state::Account::LEN;
const ACCOUNT_TYPE_MINT: u8 = 1;
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;

fn is_kind(account: &Account, base_len: usize, kind: u8) -> bool {
    let len = account.data.len();
    is_token_program(&account.owner)
        && (len == base_len
            || (len > ACCOUNT_TYPE_OFFSET && account.data[ACCOUNT_TYPE_OFFSET] == kind))
}

/// Whether `account` is a token account (SPL Token, or Token-2022 with or without extensions).
pub fn is_token_account(account: &Account) -> bool {
    is_kind(
        account,
        spl_token_interface::state::Account::LEN,
        ACCOUNT_TYPE_ACCOUNT,
    )
}

/// Decimals of a mint account (SPL Token and Token-2022 share the base layout).
pub fn mint_decimals(account: &Account) -> Option<u8> {
    is_kind(
        account,
        spl_token_interface::state::Mint::LEN,
        ACCOUNT_TYPE_MINT,
    )
    .then(|| account.data[44])
}

impl Balances {
    /// Balances of `accounts` (in key order); `decimals` answers a mint's decimals.
    pub fn of(accounts: &[Option<Account>], decimals: impl Fn(&Pubkey) -> Option<u8>) -> Self {
        let lamports = accounts
            .iter()
            .map(|a| a.as_ref().map_or(0, |a| a.lamports))
            .collect();
        let tokens = accounts
            .iter()
            .enumerate()
            .filter_map(|(index, account)| {
                let account = account.as_ref()?;
                if !is_token_account(account) {
                    return None;
                }
                let state = spl_token_interface::state::Account::unpack_from_slice(
                    &account.data[..spl_token_interface::state::Account::LEN],
                )
                .ok()?;
                Some(TokenBalance {
                    account_index: u8::try_from(index).ok()?,
                    mint: state.mint,
                    owner: state.owner,
                    program_id: account.owner,
                    amount: state.amount,
                    decimals: decimals(&state.mint)?,
                })
            })
            .collect();
        Self { lamports, tokens }
    }
}
