//! `escrow` client.
use agentrunner_client::{
    ix::escrow::{self as ix, BudgetRef},
    pda,
    voucher::{ed25519_instruction, SignedVoucher},
};
use agentrunner_embedded::{ChainError, EmbeddedChain, TxOutcome};
use anchor_lang::prelude::Pubkey;
use escrow::instructions::{IssueGrantArgs, OpenBudgetArgs, SettleVoucherArgs};
use solana_keypair::Keypair;
use solana_signer::Signer;

pub struct EscrowClient<'a> {
    pub chain: &'a EmbeddedChain,
}

type Sent = Result<TxOutcome, ChainError>;

impl EscrowClient<'_> {
    pub async fn open_budget(
        &self,
        b: &BudgetRef,
        payer: &Keypair,
        payer_token: &Pubkey,
        args: OpenBudgetArgs,
    ) -> Sent {
        self.chain
            .send(
                &[ix::open_budget(b, &payer.pubkey(), payer_token, args)],
                &[payer],
            )
            .await
    }

    pub async fn top_up(
        &self,
        b: &BudgetRef,
        payer: &Keypair,
        payer_token: &Pubkey,
        amount: u64,
    ) -> Sent {
        self.chain
            .send(
                &[ix::top_up(b, &payer.pubkey(), payer_token, amount)],
                &[payer],
            )
            .await
    }

    pub async fn set_session_key(
        &self,
        b: &BudgetRef,
        payer: &Keypair,
        key: Option<Pubkey>,
    ) -> Sent {
        self.chain
            .send(
                &[ix::set_session_key(&b.budget, &payer.pubkey(), key)],
                &[payer],
            )
            .await
    }

    pub async fn issue_grant(
        &self,
        b: &BudgetRef,
        payer: &Keypair,
        index: u32,
        vendor_token: &Pubkey,
        args: IssueGrantArgs,
    ) -> Sent {
        self.chain
            .send(
                &[ix::issue_grant(
                    &b.budget,
                    &payer.pubkey(),
                    index,
                    vendor_token,
                    args,
                )],
                &[payer],
            )
            .await
    }

    pub async fn revoke_grant(&self, b: &BudgetRef, grant: &Pubkey, payer: &Keypair) -> Sent {
        self.chain
            .send(
                &[ix::revoke_grant(&b.budget, grant, &payer.pubkey())],
                &[payer],
            )
            .await
    }

    pub async fn redeem(
        &self,
        b: &BudgetRef,
        grant: &Pubkey,
        vendor_token: &Pubkey,
        redeemer: &Keypair,
        amount: u64,
        receipt_hash: [u8; 32],
    ) -> Sent {
        self.chain
            .send(
                &[ix::redeem(
                    b,
                    grant,
                    vendor_token,
                    &redeemer.pubkey(),
                    amount,
                    receipt_hash,
                )],
                &[redeemer],
            )
            .await
    }

    /// Settles `vouchers` in one transaction: one Ed25519 instruction (index 0) carrying every
    /// signature, then one `settle_voucher` per voucher.
    pub async fn settle_vouchers(&self, b: &BudgetRef, vouchers: &[SignedVoucher]) -> Sent {
        self.chain
            .send(&settle_vouchers_ixs(b, vouchers), &[])
            .await
    }

    pub async fn refund(
        &self,
        b: &BudgetRef,
        destination: &Pubkey,
        caller: &Keypair,
        amount: u64,
    ) -> Sent {
        self.chain
            .send(
                &[ix::refund(b, destination, &caller.pubkey(), amount)],
                &[caller],
            )
            .await
    }

    pub async fn close_grant(&self, b: &BudgetRef, grant: &Pubkey, payer: &Pubkey) -> Sent {
        self.chain
            .send(&[ix::close_grant(&b.budget, grant, payer)], &[])
            .await
    }

    pub async fn close_budget(&self, b: &BudgetRef, payer: &Pubkey, caller: &Keypair) -> Sent {
        self.chain
            .send(&[ix::close_budget(b, payer, &caller.pubkey())], &[caller])
            .await
    }
}

/// The instructions settling `vouchers`: the Ed25519 proof first, then one settlement each.
pub fn settle_vouchers_ixs(
    b: &BudgetRef,
    vouchers: &[SignedVoucher],
) -> Vec<anchor_lang::solana_program::instruction::Instruction> {
    let mut ixs = vec![ed25519_instruction(vouchers)];
    for (i, signed) in vouchers.iter().enumerate() {
        let v = signed.voucher;
        ixs.push(ix::settle_voucher(
            b,
            &v.grant,
            &v.vendor,
            SettleVoucherArgs {
                cumulative: v.cumulative,
                expires_at: v.expires_at,
                ed25519_instruction_index: 0,
                signature_index: i as u8,
            },
        ));
    }
    ixs
}

/// The grant PDA of `b` at `index`.
pub fn grant_address(b: &BudgetRef, index: u32) -> Pubkey {
    pda::grant(&b.budget, index).0
}
