//! Account reads as a validator answers them: every encoding (`base58` up to 128 bytes,
//! `base64`, `base64+zstd`, `jsonParsed` with SPL Token parsing) and `dataSlice` through
//! agave's own `solana-account-decoder`; `getProgramAccounts` filters; and the token methods.
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_account::Account;
use solana_account_decoder::{
    encode_ui_account,
    parse_account_data::{AccountAdditionalDataV3, SplTokenAdditionalDataV2},
    parse_token::token_amount_to_ui_amount_v3,
};
use solana_account_decoder_client_types::{UiAccount, UiAccountEncoding, UiDataSliceConfig};
use solana_program_pack::Pack;
use solana_rpc_client_types::{
    config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTokenAccountsFilter},
    filter::RpcFilterType,
    response::{RpcKeyedAccount, RpcTokenAccountBalance},
};
use spl_token_interface::state::{Account as TokenAccount, AccountState, Mint};

use super::{
    errors::{RpcError, RpcResult},
    params::{config, pubkey, required, typed},
    Ctx,
};
use crate::balances::{is_token_account, mint_decimals};

/// Largest account data the validator encodes as base58.
const MAX_BASE58_BYTES: usize = 128;
/// Accounts `getTokenLargestAccounts` lists.
const LARGEST_ACCOUNTS: usize = 20;

fn base58_too_large() -> RpcError {
    RpcError::invalid_params(
        "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
    )
}

/// `account` in `encoding`, sliced; token accounts parse with their mint's decimals.
pub async fn encode(
    ctx: &Ctx<'_>,
    address: &Pubkey,
    account: &Account,
    encoding: UiAccountEncoding,
    slice: Option<UiDataSliceConfig>,
) -> Result<UiAccount, RpcError> {
    let sliced_len = slice.map_or(account.data.len(), |s| {
        s.length.min(account.data.len().saturating_sub(s.offset))
    });
    if matches!(
        encoding,
        UiAccountEncoding::Binary | UiAccountEncoding::Base58
    ) && sliced_len > MAX_BASE58_BYTES
    {
        return Err(base58_too_large());
    }
    let additional = match encoding {
        UiAccountEncoding::JsonParsed if is_token_account(account) => {
            let mint = Pubkey::try_from(&account.data[..32]).expect("32 bytes");
            token_data(ctx, &mint)
                .await?
                .map(|data| AccountAdditionalDataV3 {
                    spl_token_additional_data: Some(data),
                })
        }
        _ => None,
    };
    Ok(encode_ui_account(
        address, account, encoding, additional, slice,
    ))
}

async fn token_data(
    ctx: &Ctx<'_>,
    mint: &Pubkey,
) -> Result<Option<SplTokenAdditionalDataV2>, RpcError> {
    Ok(ctx
        .chain
        .account(mint)
        .await
        .map_err(RpcError::internal)?
        .as_ref()
        .and_then(mint_decimals)
        .map(|decimals| SplTokenAdditionalDataV2 {
            decimals,
            ..SplTokenAdditionalDataV2::default()
        }))
}

/// Whether account data passes a `getProgramAccounts` filter.
pub fn allows(filter: &RpcFilterType, account: &Account) -> bool {
    match filter {
        RpcFilterType::DataSize(size) => account.data.len() as u64 == *size,
        RpcFilterType::Memcmp(memcmp) => memcmp.bytes_match(&account.data),
        RpcFilterType::TokenAccountState => {
            is_token_account(account)
                && TokenAccount::unpack_from_slice(&account.data[..TokenAccount::LEN])
                    .is_ok_and(|a| a.state != AccountState::Uninitialized)
        }
    }
}

async fn read(ctx: &Ctx<'_>, address: &Pubkey) -> Result<Option<Account>, RpcError> {
    ctx.chain.account(address).await.map_err(RpcError::internal)
}

pub async fn get_account_info(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let address = pubkey(required(params, 0)?)?;
    let cfg: RpcAccountInfoConfig = config(params, 1)?;
    ctx.min_context_slot(cfg.min_context_slot)?;
    let encoding = cfg.encoding.unwrap_or(UiAccountEncoding::Binary);
    let value = match read(ctx, &address).await? {
        Some(account) => Some(encode(ctx, &address, &account, encoding, cfg.data_slice).await?),
        None => None,
    };
    Ok(ctx.with_context(json!(value)))
}

pub async fn get_multiple_accounts(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let keys = required(params, 0)?
        .as_array()
        .ok_or_else(|| RpcError::invalid_params("expected an array of keys"))?;
    if keys.len() > 100 {
        return Err(RpcError::invalid_params(
            "Too many inputs provided; max 100",
        ));
    }
    let cfg: RpcAccountInfoConfig = config(params, 1)?;
    ctx.min_context_slot(cfg.min_context_slot)?;
    let encoding = cfg.encoding.unwrap_or(UiAccountEncoding::Base64);
    let addresses = keys.iter().map(pubkey).collect::<Result<Vec<_>, _>>()?;
    let read = ctx
        .chain
        .read_accounts(&addresses)
        .await
        .map_err(RpcError::internal)?;
    let mut accounts = Vec::with_capacity(addresses.len());
    for (address, account) in addresses.iter().zip(read) {
        accounts.push(match account {
            Some(account) => Some(encode(ctx, address, &account, encoding, cfg.data_slice).await?),
            None => None,
        });
    }
    Ok(ctx.with_context(json!(accounts)))
}

/// The programs token accounts belong to.
const TOKEN_PROGRAMS: [Pubkey; 2] = [spl_token_interface::ID, spl_token_2022_interface::ID];

/// Every account the chain knows owned by one of `programs` that `keep` accepts, sorted by
/// address.
async fn scan(
    ctx: &Ctx<'_>,
    programs: &[Pubkey],
    keep: impl Fn(&Account) -> bool,
) -> Result<Vec<(Pubkey, Account)>, RpcError> {
    let owned = ctx.chain.accounts_owned_by(programs);
    let accounts = ctx
        .chain
        .read_accounts(&owned)
        .await
        .map_err(RpcError::internal)?;
    Ok(owned
        .into_iter()
        .zip(accounts)
        .filter_map(|(address, account)| Some((address, account?)))
        .filter(|(_, account)| keep(account))
        .collect())
}

async fn keyed(
    ctx: &Ctx<'_>,
    found: Vec<(Pubkey, Account)>,
    cfg: &RpcAccountInfoConfig,
    default: UiAccountEncoding,
) -> Result<Vec<RpcKeyedAccount>, RpcError> {
    let encoding = cfg.encoding.unwrap_or(default);
    let mut keyed = Vec::with_capacity(found.len());
    for (address, account) in found {
        keyed.push(RpcKeyedAccount {
            pubkey: address.to_string(),
            account: encode(ctx, &address, &account, encoding, cfg.data_slice).await?,
        });
    }
    Ok(keyed)
}

pub async fn get_program_accounts(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let program = pubkey(required(params, 0)?)?;
    let cfg: RpcProgramAccountsConfig = config(params, 1)?;
    ctx.min_context_slot(cfg.account_config.min_context_slot)?;
    let filters = cfg.filters.unwrap_or_default();
    let found = scan(ctx, &[program], |account| {
        account.owner == program && filters.iter().all(|f| allows(f, account))
    })
    .await?;
    let accounts = keyed(ctx, found, &cfg.account_config, UiAccountEncoding::Binary).await?;
    Ok(if cfg.with_context == Some(true) {
        ctx.with_context(json!(accounts))
    } else {
        json!(accounts)
    })
}

pub async fn get_balance(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let address = pubkey(required(params, 0)?)?;
    let lamports = ctx
        .chain
        .balance(&address)
        .await
        .map_err(RpcError::internal)?;
    Ok(ctx.with_context(json!(lamports)))
}

/// `getTokenAccountsByOwner`: the owner's token accounts of one mint or one token program.
pub async fn get_token_accounts_by_owner(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let owner = pubkey(required(params, 0)?)?;
    let filter: RpcTokenAccountsFilter = typed(params, 1)?;
    let cfg: RpcAccountInfoConfig = config(params, 2)?;
    ctx.min_context_slot(cfg.min_context_slot)?;
    let (mint, program) = match &filter {
        RpcTokenAccountsFilter::Mint(mint) => (Some(pubkey(&json!(mint))?), None),
        RpcTokenAccountsFilter::ProgramId(program) => (None, Some(pubkey(&json!(program))?)),
    };
    if program.is_some_and(|p| p != spl_token_interface::ID && p != spl_token_2022_interface::ID) {
        return Err(RpcError::invalid_params(
            "Invalid param: unrecognized Token program id",
        ));
    }
    let found = scan(ctx, &TOKEN_PROGRAMS, |account| {
        is_token_account(account)
            && account.data[32..64] == owner.to_bytes()
            && mint.is_none_or(|m| account.data[..32] == m.to_bytes())
            && program.is_none_or(|p| account.owner == p)
    })
    .await?;
    let accounts = keyed(ctx, found, &cfg, UiAccountEncoding::Binary).await?;
    Ok(ctx.with_context(json!(accounts)))
}

async fn token_account(ctx: &Ctx<'_>, address: &Pubkey) -> Result<TokenAccount, RpcError> {
    let invalid = || RpcError::invalid_params("Invalid param: not a Token account");
    let account = read(ctx, address).await?.ok_or_else(invalid)?;
    if !is_token_account(&account) {
        return Err(invalid());
    }
    TokenAccount::unpack_from_slice(&account.data[..TokenAccount::LEN]).map_err(|_| invalid())
}

async fn mint(
    ctx: &Ctx<'_>,
    address: &Pubkey,
) -> Result<(Mint, SplTokenAdditionalDataV2), RpcError> {
    let invalid = || RpcError::invalid_params("Invalid param: not a Token mint");
    let account = read(ctx, address).await?.ok_or_else(invalid)?;
    let decimals = mint_decimals(&account).ok_or_else(invalid)?;
    let state = Mint::unpack_from_slice(&account.data[..Mint::LEN]).map_err(|_| invalid())?;
    Ok((
        state,
        SplTokenAdditionalDataV2 {
            decimals,
            ..SplTokenAdditionalDataV2::default()
        },
    ))
}

pub async fn get_token_account_balance(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let account = token_account(ctx, &pubkey(required(params, 0)?)?).await?;
    let (_, data) = mint(ctx, &account.mint).await?;
    Ok(ctx.with_context(json!(token_amount_to_ui_amount_v3(account.amount, &data))))
}

pub async fn get_token_supply(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let (state, data) = mint(ctx, &pubkey(required(params, 0)?)?).await?;
    Ok(ctx.with_context(json!(token_amount_to_ui_amount_v3(state.supply, &data))))
}

pub async fn get_token_largest_accounts(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let mint_address = pubkey(required(params, 0)?)?;
    let (_, data) = mint(ctx, &mint_address).await?;
    let mut holders: Vec<(Pubkey, u64)> = scan(ctx, &TOKEN_PROGRAMS, |account| {
        is_token_account(account) && account.data[..32] == mint_address.to_bytes()
    })
    .await?
    .into_iter()
    .filter_map(|(address, account)| {
        let state = TokenAccount::unpack_from_slice(&account.data[..TokenAccount::LEN]).ok()?;
        Some((address, state.amount))
    })
    .collect();
    holders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let largest: Vec<RpcTokenAccountBalance> = holders
        .into_iter()
        .take(LARGEST_ACCOUNTS)
        .map(|(address, amount)| RpcTokenAccountBalance {
            address: address.to_string(),
            amount: token_amount_to_ui_amount_v3(amount, &data),
        })
        .collect();
    Ok(ctx.with_context(json!(largest)))
}
