//! The two escrow schemes behind the paywall (specified in `docs/x402/`): `agentrunner-grant`
//! (one `redeem` of a grant whose redeemer is the vendor) and `agentrunner-voucher` (cumulative
//! ed25519 vouchers from the budget's session key, settled per grant in one `settle_voucher`).
use agentrunner_client::{
    chain::Chain,
    ix::escrow::{redeem, settle_voucher, BudgetRef},
    send::{NoJournal, SendPolicy, Sender},
    voucher::{ed25519_instruction, SignedVoucher, Voucher},
};
use anchor_lang::prelude::Pubkey;
use escrow::{
    instructions::SettleVoucherArgs,
    state::{Budget, Grant},
};
use solana_signature::Signature;
use solana_signer::Signer;

use super::{Charge, Paywall, Settles};
use crate::{
    reason::{Reason, Refusal},
    wire::{PaymentPayload, PaymentRequirements, SchemePayload, SettleResponse},
};

fn key(text: &str) -> Result<Pubkey, Refusal> {
    text.parse().map_err(|_| {
        Refusal::new(
            Reason::InvalidPayload,
            format!("{text:?} is not a public key"),
        )
    })
}

fn chain_error(e: agentrunner_client::ClientError) -> Refusal {
    Refusal::new(Reason::UnexpectedVerifyError, e.to_string())
}

/// A grant, its budget and the chain's clock, with the checks both schemes share.
struct Funds {
    key: Pubkey,
    grant: Grant,
    budget: Budget,
    now: i64,
}

impl Funds {
    fn budget_ref(&self) -> BudgetRef {
        BudgetRef {
            budget: self.grant.budget,
            vault: self.budget.vault,
            mint: self.budget.mint,
            token_program: self.budget.token_program,
        }
    }
}

impl Paywall {
    fn sender(&self) -> Sender<'_, agentrunner_client::rpc::RpcChain, NoJournal> {
        Sender::new(&self.chain, SendPolicy::default())
    }

    /// Reads `grant` and its budget; refused unless it pays this vendor in this mint.
    async fn funds(&self, grant: &str) -> Result<Funds, Refusal> {
        let grant_key = key(grant)?;
        let grant: Grant =
            self.chain.fetch(&grant_key).await.map_err(|_| {
                Refusal::new(Reason::GrantNotFound, format!("no grant at {grant_key}"))
            })?;
        if grant.vendor != self.pay_to {
            return Err(Refusal::new(
                Reason::GrantRecipientMismatch,
                "the grant pays another vendor",
            ));
        }
        let budget: Budget = self.chain.fetch(&grant.budget).await.map_err(chain_error)?;
        if budget.mint != self.mint {
            return Err(Refusal::new(
                Reason::GrantMintMismatch,
                "the grant's budget is in another mint",
            ));
        }
        let now = self
            .chain
            .clock()
            .await
            .map_err(chain_error)?
            .unix_timestamp;
        Ok(Funds {
            key: grant_key,
            grant,
            budget,
            now,
        })
    }

    /// `agentrunner-grant`: the vendor redeems the grant, which must cover the price now.
    pub(super) async fn verify_grant(
        &self,
        payload: &PaymentPayload,
        grant: &str,
        requirements: &PaymentRequirements,
    ) -> Result<Charge, Refusal> {
        let price = requirements.atoms()?;
        let funds = self.funds(grant).await?;
        if funds.grant.redeemer != self.vendor.pubkey() {
            return Err(Refusal::new(
                Reason::GrantRedeemerMismatch,
                "this vendor is not the grant's redeemer",
            ));
        }
        funds
            .grant
            .require_redeemable(price, funds.now)
            .map_err(|e| Refusal::new(Reason::GrantCannotPay, format!("grant cannot pay: {e}")))?;
        Ok(Charge {
            id: payload.id(),
            amount: price,
            payer: funds.budget.payer,
            settles: Settles::Grant {
                grant: funds.key,
                funds: funds.budget_ref(),
            },
        })
    }

    /// `agentrunner-voucher`: a voucher for this grant's issue, signed by the budget's session
    /// key, unexpired and within the grant.
    pub(super) async fn verify_voucher(
        &self,
        payload: &PaymentPayload,
        requirements: &PaymentRequirements,
    ) -> Result<Charge, Refusal> {
        let SchemePayload::Voucher {
            budget,
            grant,
            grant_issued_slot,
            cumulative,
            expires_at,
            signer,
            signature,
        } = &payload.payload
        else {
            return Err(Refusal::new(
                Reason::InvalidPayload,
                "not a voucher payload",
            ));
        };
        let price = requirements.atoms()?;
        let funds = self.funds(grant).await?;
        let signer = key(signer)?;
        if key(budget)? != funds.grant.budget || Some(signer) != funds.budget.session_key {
            return Err(Refusal::new(
                Reason::VoucherSignerMismatch,
                "the voucher is not signed by the budget's session key",
            ));
        }
        if *expires_at <= funds.now
            || *cumulative > funds.grant.max_amount
            || *grant_issued_slot != funds.grant.issued_slot
        {
            return Err(Refusal::new(
                Reason::VoucherTerms,
                "the voucher is expired, above the grant, or for another grant",
            ));
        }
        let voucher = Voucher {
            budget: funds.grant.budget,
            grant: funds.key,
            grant_issued_slot: funds.grant.issued_slot,
            vendor: self.pay_to,
            cumulative: *cumulative,
            expires_at: *expires_at,
        };
        let signature: Signature = signature
            .parse()
            .map_err(|_| Refusal::new(Reason::InvalidPayload, "bad signature encoding"))?;
        if !signature.verify(signer.as_ref(), &voucher.message()) {
            return Err(Refusal::new(
                Reason::VoucherSignatureInvalid,
                "the voucher signature does not verify",
            ));
        }
        let mut bytes = [0u8; 64];
        bytes.copy_from_slice(signature.as_ref());
        Ok(Charge {
            id: payload.id(),
            amount: price,
            payer: funds.budget.payer,
            settles: Settles::Voucher {
                grant: funds.key,
                budget: funds.grant.budget,
                signed: Box::new(SignedVoucher {
                    voucher,
                    signer,
                    signature: bytes,
                }),
                redeemed: funds.grant.redeemed,
                previous: None,
            },
        })
    }

    /// Redeems a served grant charge. A redemption whose outcome is unknown is reconciled from
    /// the grant (its last receipt hash names the payment), so it is never paid twice.
    pub(super) async fn redeem(
        &self,
        charge: &Charge,
        grant: &Pubkey,
        funds: &BudgetRef,
    ) -> SettleResponse {
        let ix = redeem(
            funds,
            grant,
            &self.pay_to,
            &self.vendor.pubkey(),
            charge.amount,
            charge.id,
        );
        let intent = format!("x402:{}", bs58::encode(charge.id).into_string());
        match self
            .sender()
            .send(&intent, &self.vendor, &[ix], &[], &[])
            .await
        {
            Ok(landed) => self.settled(charge, landed.signature.to_string()),
            Err(error) => {
                let settled = self
                    .chain
                    .fetch::<Grant>(grant)
                    .await
                    .is_ok_and(|g| g.last_receipt_hash == charge.id);
                if settled {
                    self.settled(charge, String::new())
                } else {
                    let refusal = Refusal::new(Reason::UnexpectedSettleError, error.to_string());
                    SettleResponse {
                        payer: charge.payer.to_string(),
                        amount: charge.amount.to_string(),
                        ..SettleResponse::refused(&self.network, &refusal)
                    }
                }
            }
        }
    }

    /// Settles every grant's latest voucher in one transaction each; returns the signatures.
    pub async fn settle_vouchers(
        &self,
    ) -> Result<Vec<Signature>, agentrunner_client::send::SendError> {
        let latest: Vec<(Pubkey, (SignedVoucher, Pubkey))> = self
            .ledger
            .lock()
            .expect("ledger")
            .vouchers
            .iter()
            .map(|(g, v)| (*g, *v))
            .collect();
        let mut signatures = Vec::new();
        for (grant_key, (signed, budget_key)) in latest {
            let grant: Grant = self.chain.fetch(&grant_key).await?;
            if grant.redeemed >= signed.voucher.cumulative {
                continue;
            }
            let budget: Budget = self.chain.fetch(&budget_key).await?;
            let funds = Funds {
                key: grant_key,
                grant,
                budget,
                now: 0,
            };
            let ixs = [
                ed25519_instruction(&[signed]),
                settle_voucher(
                    &funds.budget_ref(),
                    &grant_key,
                    &self.pay_to,
                    SettleVoucherArgs {
                        cumulative: signed.voucher.cumulative,
                        expires_at: signed.voucher.expires_at,
                        ed25519_instruction_index: 0,
                        signature_index: 0,
                    },
                ),
            ];
            let intent = format!("settle:{grant_key}:{}", signed.voucher.cumulative);
            let landed = self
                .sender()
                .send(&intent, &self.vendor, &ixs, &[], &[])
                .await?;
            signatures.push(landed.signature);
        }
        Ok(signatures)
    }
}
