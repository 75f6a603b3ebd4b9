//! `escrow` instruction builders.
use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::instruction::Instruction,
    system_program,
};
use escrow::{accounts as acc, instruction as data, instructions::*};

use super::build;
use crate::pda;

fn event_authority() -> Pubkey {
    pda::event_authority(&escrow::ID).0
}

/// The budget, vault, mint and token program of a budget, as every token-moving instruction
/// names them.
#[derive(Clone, Copy, Debug)]
pub struct BudgetRef {
    pub budget: Pubkey,
    pub vault: Pubkey,
    pub mint: Pubkey,
    pub token_program: Pubkey,
}

impl BudgetRef {
    /// The budget `(payer, id)` for `mint` under `token_program`.
    pub fn new(payer: &Pubkey, id: &[u8; 32], mint: Pubkey, token_program: Pubkey) -> Self {
        let budget = pda::budget(payer, id).0;
        Self {
            budget,
            vault: pda::vault(&budget).0,
            mint,
            token_program,
        }
    }

    fn funds(&self) -> acc::BudgetVault {
        acc::BudgetVault {
            budget: self.budget,
            vault: self.vault,
            mint: self.mint,
            token_program: self.token_program,
        }
    }
}

/// `open_budget`: deposits `args.amount` from `payer_token` (payer signs).
pub fn open_budget(
    b: &BudgetRef,
    payer: &Pubkey,
    payer_token: &Pubkey,
    args: OpenBudgetArgs,
) -> Instruction {
    build(
        escrow::ID,
        acc::OpenBudget {
            payer: *payer,
            budget: b.budget,
            vault: b.vault,
            grant_counter: pda::grant_counter(payer).0,
            mint: b.mint,
            payer_token: *payer_token,
            token_program: b.token_program,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::OpenBudget { args },
    )
}

/// `top_up` (payer).
pub fn top_up(b: &BudgetRef, payer: &Pubkey, payer_token: &Pubkey, amount: u64) -> Instruction {
    build(
        escrow::ID,
        acc::TopUp {
            funds: b.funds(),
            payer: *payer,
            payer_token: *payer_token,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::TopUp {
            args: TopUpArgs { amount },
        },
    )
}

/// `set_session_key` (payer).
pub fn set_session_key(
    budget: &Pubkey,
    payer: &Pubkey,
    session_key: Option<Pubkey>,
) -> Instruction {
    build(
        escrow::ID,
        acc::SetSessionKey {
            budget: *budget,
            payer: *payer,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::SetSessionKey {
            args: SetSessionKeyArgs { session_key },
        },
    )
}

/// `issue_grant` at `index` (the budget's `next_grant_index()`; consecutive for several in one
/// transaction).
pub fn issue_grant(
    budget: &Pubkey,
    payer: &Pubkey,
    index: u32,
    vendor_token: &Pubkey,
    args: IssueGrantArgs,
) -> Instruction {
    build(
        escrow::ID,
        acc::IssueGrant {
            budget: *budget,
            grant: pda::grant(budget, index).0,
            vendor_token: *vendor_token,
            payer: *payer,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::IssueGrant { args },
    )
}

/// `issue_grants` (payer): one grant per entry of `args.grants`, at consecutive indices from
/// `first_index` (the budget's `next_grant_index()`), paying `vendor_tokens[i]`.
pub fn issue_grants(
    budget: &Pubkey,
    payer: &Pubkey,
    first_index: u32,
    vendor_tokens: &[Pubkey],
    args: IssueGrantsArgs,
) -> Instruction {
    let ix = build(
        escrow::ID,
        acc::IssueGrants {
            budget: *budget,
            payer: *payer,
            system_program: system_program::ID,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::IssueGrants { args },
    );
    super::with_remaining(
        ix,
        vendor_tokens
            .iter()
            .enumerate()
            .flat_map(|(i, vendor_token)| {
                [
                    AccountMeta::new(pda::grant(budget, first_index + i as u32).0, false),
                    AccountMeta::new_readonly(*vendor_token, false),
                ]
            }),
    )
}

/// `revoke_grant` (payer).
pub fn revoke_grant(budget: &Pubkey, grant: &Pubkey, payer: &Pubkey) -> Instruction {
    build(
        escrow::ID,
        acc::RevokeGrant {
            budget: *budget,
            grant: *grant,
            payer: *payer,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::RevokeGrant {},
    )
}

/// `redeem` (the grant's redeemer signs).
pub fn redeem(
    b: &BudgetRef,
    grant: &Pubkey,
    vendor_token: &Pubkey,
    redeemer: &Pubkey,
    amount: u64,
    receipt_hash: [u8; 32],
) -> Instruction {
    build(
        escrow::ID,
        acc::Redeem {
            funds: b.funds(),
            grant: *grant,
            vendor_token: *vendor_token,
            redeemer: *redeemer,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::Redeem {
            args: RedeemArgs {
                amount,
                receipt_hash,
            },
        },
    )
}

/// `settle_voucher` (anyone); pair it with the Ed25519 instruction from
/// [`crate::voucher::ed25519_instruction`].
pub fn settle_voucher(
    b: &BudgetRef,
    grant: &Pubkey,
    vendor_token: &Pubkey,
    args: SettleVoucherArgs,
) -> Instruction {
    build(
        escrow::ID,
        acc::SettleVoucher {
            funds: b.funds(),
            grant: *grant,
            vendor_token: *vendor_token,
            instructions: solana_sdk_ids::sysvar::instructions::ID,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::SettleVoucher { args },
    )
}

/// `refund` to `destination` (payer before expiry; anyone after).
pub fn refund(b: &BudgetRef, destination: &Pubkey, caller: &Pubkey, amount: u64) -> Instruction {
    build(
        escrow::ID,
        acc::Refund {
            funds: b.funds(),
            destination: *destination,
            caller: *caller,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::Refund {
            args: RefundArgs { amount },
        },
    )
}

/// `close_grant` (anyone; rent to `payer`).
pub fn close_grant(budget: &Pubkey, grant: &Pubkey, payer: &Pubkey) -> Instruction {
    build(
        escrow::ID,
        acc::CloseGrant {
            budget: *budget,
            grant: *grant,
            payer: *payer,
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::CloseGrant {},
    )
}

/// `close_budget` (payer; anyone after expiry; rent to `payer`). Any tokens in the vault beyond
/// the budget's own (donations) go to `payer`'s associated token account of the mint.
pub fn close_budget(b: &BudgetRef, payer: &Pubkey, caller: &Pubkey) -> Instruction {
    build(
        escrow::ID,
        acc::CloseBudget {
            funds: b.funds(),
            payer: *payer,
            caller: *caller,
            payer_token: Some(pda::ata(payer, &b.mint, &b.token_program)),
            event_authority: event_authority(),
            program: escrow::ID,
        },
        data::CloseBudget {},
    )
}
