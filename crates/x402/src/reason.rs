//! Why a payment is refused, as the codes x402 clients and servers match on: the protocol's
//! general codes (`invalid_payload`, `unsupported_scheme`, `duplicate_settlement`, ...), the SVM
//! `exact` scheme's `invalid_exact_svm_*` codes as the reference facilitator reports them, and
//! `invalid_agentrunner_*` codes for our two escrow schemes (listed in `docs/x402/`).

/// One refusal code; [`Reason::code`] is the string on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The header or request body is not a decodable payment.
    InvalidPayload,
    /// Only x402 version 2 is spoken.
    InvalidX402Version,
    /// The payment names another network than this cluster's.
    InvalidNetwork,
    /// The requirement paid is not one this server offers (asset, payTo, amount).
    InvalidPaymentRequirements,
    /// No scheme of that name is served here.
    UnsupportedScheme,
    /// The same payment was already settled or is being settled.
    DuplicateSettlement,
    /// The settlement was broadcast but is not confirmed yet: retry the same payment.
    SettlementPending,
    /// Chain state could not be read to verify.
    UnexpectedVerifyError,
    /// The settlement could not be sent.
    UnexpectedSettleError,

    /// `exact`: `extra.feePayer` is missing.
    ExactMissingFeePayer,
    /// `exact`: `extra.feePayer` is not a key this facilitator signs with.
    ExactFeePayerNotManaged,
    /// `exact`: the transaction's fee payer is not `extra.feePayer`.
    ExactFeePayerMismatch,
    /// `exact`: not a base64 wire transaction.
    ExactTransactionCouldNotBeDecoded,
    /// `exact`: the transaction uses address lookup tables (not resolvable here).
    ExactInvalidTransaction,
    /// `exact`: a required signature (other than the fee payer's) is missing or wrong.
    ExactSignatureInvalid,
    /// `exact`: fewer than 3 or more than 7 instructions.
    ExactInstructionsLength,
    /// `exact`: instruction 0 is not `SetComputeUnitLimit`.
    ExactComputeLimitInstruction,
    /// `exact`: the compute unit limit is above this facilitator's cap.
    ExactComputeLimitTooHigh,
    /// `exact`: instruction 1 is not `SetComputeUnitPrice`.
    ExactComputePriceInstruction,
    /// `exact`: the compute unit price is above 5 lamports per CU.
    ExactComputePriceTooHigh,
    /// `exact`: instruction 2 is not an SPL Token `TransferChecked`.
    ExactNoTransferInstruction,
    /// `exact`: the fee payer is the transfer's authority or appears in an instruction.
    ExactFeePayerTransferringFunds,
    /// `exact`: the transfer moves another mint than `asset`.
    ExactMintMismatch,
    /// `exact`: the transfer's destination is not `payTo`'s associated token account.
    ExactRecipientMismatch,
    /// `exact`: the transfer's amount is not exactly `amount`.
    ExactAmountMismatch,
    /// `exact`: instruction 3 and later may only be Memo or Lighthouse (by position).
    ExactUnknownFourthInstruction,
    ExactUnknownFifthInstruction,
    ExactUnknownSixthInstruction,
    ExactUnknownSeventhInstruction,
    /// `exact`: `extra.memo` was asked for and not exactly one memo was given.
    ExactMemoCount,
    /// `exact`: the memo differs from `extra.memo`.
    ExactMemoMismatch,
    /// `exact`: the co-signed transaction fails in simulation (funds, blockhash, ...).
    ExactSimulationFailed,
    /// `exact`: the settlement landed and failed.
    ExactTransactionFailed,

    /// Escrow schemes: no grant account at that address.
    GrantNotFound,
    /// Escrow schemes: the grant pays another vendor's token account.
    GrantRecipientMismatch,
    /// Escrow schemes: the grant's budget holds another mint.
    GrantMintMismatch,
    /// `agentrunner-grant`: this vendor's key is not the grant's redeemer.
    GrantRedeemerMismatch,
    /// `agentrunner-grant`: the grant cannot pay the price now (window, remaining amount).
    GrantCannotPay,
    /// `agentrunner-voucher`: not signed by the budget's session key.
    VoucherSignerMismatch,
    /// `agentrunner-voucher`: expired, above the grant, or for another issue of the grant.
    VoucherTerms,
    /// `agentrunner-voucher`: the ed25519 signature does not verify.
    VoucherSignatureInvalid,
    /// `agentrunner-voucher`: the cumulative total does not rise by the price.
    VoucherCumulativeTooLow,
}

impl Reason {
    /// The code on the wire.
    pub fn code(self) -> &'static str {
        use Reason::*;
        match self {
            InvalidPayload => "invalid_payload",
            InvalidX402Version => "invalid_x402_version",
            InvalidNetwork => "invalid_network",
            InvalidPaymentRequirements => "invalid_payment_requirements",
            UnsupportedScheme => "unsupported_scheme",
            DuplicateSettlement => "duplicate_settlement",
            SettlementPending => "settlement_pending",
            UnexpectedVerifyError => "unexpected_verify_error",
            UnexpectedSettleError => "unexpected_settle_error",
            ExactMissingFeePayer => "invalid_exact_svm_payload_missing_fee_payer",
            ExactFeePayerNotManaged => "invalid_exact_svm_fee_payer_not_managed_by_facilitator",
            ExactFeePayerMismatch => "invalid_exact_svm_fee_payer_mismatch",
            ExactTransactionCouldNotBeDecoded => {
                "invalid_exact_svm_payload_transaction_could_not_be_decoded"
            }
            ExactInvalidTransaction => "invalid_exact_svm_payload_transaction",
            ExactSignatureInvalid => "invalid_exact_svm_payload_signature_invalid",
            ExactInstructionsLength => "invalid_exact_svm_payload_transaction_instructions_length",
            ExactComputeLimitInstruction => {
                "invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction"
            }
            ExactComputeLimitTooHigh => {
                "invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction_too_high"
            }
            ExactComputePriceInstruction => {
                "invalid_exact_svm_payload_transaction_instructions_compute_price_instruction"
            }
            ExactComputePriceTooHigh => {
                "invalid_exact_svm_payload_transaction_instructions_compute_price_instruction_too_high"
            }
            ExactNoTransferInstruction => "invalid_exact_svm_payload_no_transfer_instruction",
            ExactFeePayerTransferringFunds => {
                "invalid_exact_svm_payload_transaction_fee_payer_transferring_funds"
            }
            ExactMintMismatch => "invalid_exact_svm_payload_mint_mismatch",
            ExactRecipientMismatch => "invalid_exact_svm_payload_recipient_mismatch",
            ExactAmountMismatch => "invalid_exact_svm_payload_amount_mismatch",
            ExactUnknownFourthInstruction => "invalid_exact_svm_payload_unknown_fourth_instruction",
            ExactUnknownFifthInstruction => "invalid_exact_svm_payload_unknown_fifth_instruction",
            ExactUnknownSixthInstruction => "invalid_exact_svm_payload_unknown_sixth_instruction",
            ExactUnknownSeventhInstruction => {
                "invalid_exact_svm_payload_unknown_seventh_instruction"
            }
            ExactMemoCount => "invalid_exact_svm_payload_memo_count",
            ExactMemoMismatch => "invalid_exact_svm_payload_memo_mismatch",
            ExactSimulationFailed => "invalid_exact_svm_transaction_simulation_failed",
            ExactTransactionFailed => "invalid_exact_svm_transaction_failed",
            GrantNotFound => "invalid_agentrunner_grant_not_found",
            GrantRecipientMismatch => "invalid_agentrunner_grant_recipient_mismatch",
            GrantMintMismatch => "invalid_agentrunner_grant_mint_mismatch",
            GrantRedeemerMismatch => "invalid_agentrunner_grant_redeemer_mismatch",
            GrantCannotPay => "invalid_agentrunner_grant_cannot_pay",
            VoucherSignerMismatch => "invalid_agentrunner_voucher_signer_mismatch",
            VoucherTerms => "invalid_agentrunner_voucher_terms",
            VoucherSignatureInvalid => "invalid_agentrunner_voucher_signature_invalid",
            VoucherCumulativeTooLow => "invalid_agentrunner_voucher_cumulative_too_low",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused payment: the code, and what exactly was wrong in words (nothing was served or
/// moved).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct Refusal {
    pub reason: Reason,
    pub detail: String,
}

impl Refusal {
    pub fn new(reason: Reason, detail: impl Into<String>) -> Self {
        Self {
            reason,
            detail: detail.into(),
        }
    }

    /// The HTTP status a paywalled route answers this refusal with: 400 for what is not a
    /// payment at all, 503 when the chain could not be read, 402 (pay again) otherwise.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self.reason {
            Reason::InvalidPayload | Reason::InvalidX402Version => StatusCode::BAD_REQUEST,
            Reason::UnexpectedVerifyError | Reason::UnexpectedSettleError => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::PAYMENT_REQUIRED,
        }
    }
}

impl From<Reason> for Refusal {
    fn from(reason: Reason) -> Self {
        Self::new(reason, reason.code())
    }
}
