//! The SVM `exact` scheme's transaction, both ways: [`transfer_transaction`] builds what a client
//! sends (compute unit limit, compute unit price, one SPL `TransferChecked` to `payTo`'s
//! associated token account, a memo) partially signed, with the facilitator as fee payer; and
//! [`inspect`] checks a received one exactly as the x402 `exact` SVM specification and its
//! reference facilitator do, answering with their `invalid_exact_svm_*` codes.
use agentrunner_client::{pda::ata, send::compile_message_v0};
use anchor_lang::{prelude::Pubkey, pubkey, solana_program::instruction::Instruction};
use base64::{engine::general_purpose::STANDARD, Engine};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

use crate::{
    reason::{Reason, Refusal},
    wire::{PaymentRequirements, WireError},
};

/// SPL Memo (v3), which carries the seller's memo or the client's nonce.
pub const MEMO_PROGRAM: Pubkey = pubkey!("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
/// Lighthouse, the wallet-protection assertions some wallets append; allowed after the transfer.
pub const LIGHTHOUSE_PROGRAM: Pubkey = pubkey!("L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95");
/// The compute unit limit a client asks for (the reference client's).
pub const COMPUTE_UNIT_LIMIT: u32 = 20_000;
/// The compute unit price a client offers, micro-lamports per CU (the reference client's).
pub const COMPUTE_UNIT_PRICE: u64 = 1;
/// The highest compute unit price a facilitator accepts, micro-lamports per CU (the spec's cap).
pub const MAX_COMPUTE_UNIT_PRICE: u64 = 5_000_000;
/// The most compute units this facilitator pays for (a transfer and a memo use ~7k).
pub const MAX_COMPUTE_UNITS: u32 = 200_000;
/// Longest memo, bytes.
pub const MAX_MEMO_BYTES: usize = 256;
/// `TransferChecked` in the SPL Token instruction set.
const TRANSFER_CHECKED: u8 = 12;

/// What an `exact` requirement asks for, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExactTerms {
    /// The token mint.
    pub asset: Pubkey,
    /// The seller's wallet: the transfer goes to its associated token account.
    pub pay_to: Pubkey,
    /// Atoms, exactly.
    pub amount: u64,
    /// The facilitator's key that pays the transaction fee.
    pub fee_payer: Pubkey,
    /// A memo the transaction must carry, if the seller asked for one.
    pub memo: Option<String>,
}

fn key(text: &str, what: &str) -> Result<Pubkey, Refusal> {
    text.parse().map_err(|_| {
        Refusal::new(
            Reason::InvalidPaymentRequirements,
            format!("{what} {text:?} is not a public key"),
        )
    })
}

impl ExactTerms {
    /// The terms of an `exact` requirement (`extra.feePayer` required, `extra.memo` optional).
    pub fn of(requirements: &PaymentRequirements) -> Result<Self, Refusal> {
        let fee_payer = requirements
            .extra
            .get("feePayer")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| Refusal::from(Reason::ExactMissingFeePayer))?;
        let memo = requirements
            .extra
            .get("memo")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        if memo.as_ref().is_some_and(|m| m.len() > MAX_MEMO_BYTES) {
            return Err(Refusal::new(
                Reason::InvalidPaymentRequirements,
                format!("extra.memo is longer than {MAX_MEMO_BYTES} bytes"),
            ));
        }
        Ok(Self {
            asset: key(&requirements.asset, "asset")?,
            pay_to: key(&requirements.pay_to, "payTo")?,
            amount: requirements.atoms().map_err(|e: WireError| {
                Refusal::new(Reason::InvalidPaymentRequirements, e.to_string())
            })?,
            fee_payer: key(fee_payer, "extra.feePayer")?,
            memo,
        })
    }
}

/// The client's transaction for `terms`: paid from `payer`'s associated token account of a mint
/// with `decimals` owned by `token_program`, living on `blockhash`, signed by `payer` only (the
/// fee payer's signature slot is left empty for the facilitator). `nonce` is the memo when the
/// seller asked for none, so two payments of the same amount differ.
pub fn transfer_transaction(
    terms: &ExactTerms,
    payer: &Keypair,
    token_program: &Pubkey,
    decimals: u8,
    blockhash: Hash,
    nonce: &str,
) -> Result<VersionedTransaction, Refusal> {
    let build = |e: String| Refusal::new(Reason::InvalidPaymentRequirements, e);
    let transfer = spl_token_interface::instruction::transfer_checked(
        token_program,
        &ata(&payer.pubkey(), &terms.asset, token_program),
        &terms.asset,
        &ata(&terms.pay_to, &terms.asset, token_program),
        &payer.pubkey(),
        &[],
        terms.amount,
        decimals,
    )
    .map_err(|e| build(e.to_string()))?;
    let memo = Instruction {
        program_id: MEMO_PROGRAM,
        accounts: vec![],
        data: terms.memo.as_deref().unwrap_or(nonce).as_bytes().to_vec(),
    };
    let ixs = [
        ComputeBudgetInstruction::set_compute_unit_limit(COMPUTE_UNIT_LIMIT),
        ComputeBudgetInstruction::set_compute_unit_price(COMPUTE_UNIT_PRICE),
        transfer,
        memo,
    ];
    let message =
        compile_message_v0(&terms.fee_payer, &ixs, blockhash).map_err(|e| build(e.to_string()))?;
    let signers = usize::from(message.header().num_required_signatures);
    let mut signatures = vec![Signature::default(); signers];
    let index = message
        .static_account_keys()
        .iter()
        .position(|k| *k == payer.pubkey())
        .ok_or_else(|| build("the payer does not sign its own transfer".into()))?;
    signatures[index] = payer.sign_message(&message.serialize());
    Ok(VersionedTransaction {
        signatures,
        message,
    })
}

/// A base64 wire transaction.
pub fn encode_transaction(tx: &VersionedTransaction) -> String {
    STANDARD.encode(bincode::serialize(tx).unwrap_or_default())
}

/// Decodes a base64 wire transaction.
pub fn decode_transaction(text: &str) -> Result<VersionedTransaction, Refusal> {
    let undecodable = |what: &str| {
        Refusal::new(
            Reason::ExactTransactionCouldNotBeDecoded,
            format!("payload.transaction is not {what}"),
        )
    };
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| undecodable("base64"))?;
    let tx: VersionedTransaction =
        bincode::deserialize(&bytes).map_err(|_| undecodable("a wire transaction"))?;
    tx.sanitize()
        .map_err(|_| undecodable("a well-formed transaction"))?;
    Ok(tx)
}

/// sha256 of `tx`'s message: an `exact` payment's identity (signatures aside).
pub fn message_hash(tx: &VersionedTransaction) -> [u8; 32] {
    solana_sha256_hasher::hash(&tx.message.serialize()).to_bytes()
}

/// The transfer a valid `exact` transaction makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedTransfer {
    /// The token owner who signed the transfer (the payer).
    pub payer: Pubkey,
    /// Atoms moved.
    pub amount: u64,
    /// sha256 of the message: the payment's identity (one settlement per message).
    pub message_hash: [u8; 32],
}

fn fail(reason: Reason, detail: impl Into<String>) -> Refusal {
    Refusal::new(reason, detail)
}

/// Checks `tx` against `terms` before anything is signed by the facilitator: fee payer, every
/// other required signature, the instruction layout (limit, price, `TransferChecked`, then only
/// Memo or Lighthouse), the compute caps, the fee payer moving nothing, the mint, the recipient,
/// the exact amount and the memo. `facilitator_keys` are every key the facilitator signs with.
pub fn inspect(
    tx: &VersionedTransaction,
    terms: &ExactTerms,
    facilitator_keys: &[Pubkey],
) -> Result<CheckedTransfer, Refusal> {
    let message = &tx.message;
    let keys = message.static_account_keys();
    if keys.first() != Some(&terms.fee_payer) {
        return Err(fail(
            Reason::ExactFeePayerMismatch,
            "the transaction's fee payer is not extra.feePayer",
        ));
    }
    if message
        .address_table_lookups()
        .is_some_and(|l| !l.is_empty())
    {
        return Err(fail(
            Reason::ExactInvalidTransaction,
            "address lookup tables are not accepted",
        ));
    }
    let bytes = message.serialize();
    let signers = usize::from(message.header().num_required_signatures);
    // Sanitized: one signature per required signer. The fee payer's (first) is still empty.
    for (signer, signature) in keys.iter().zip(&tx.signatures).take(signers).skip(1) {
        if !signature.verify(signer.as_ref(), &bytes) {
            return Err(fail(
                Reason::ExactSignatureInvalid,
                format!("{signer} has not signed the transaction"),
            ));
        }
    }
    let ixs = message.instructions();
    if !(3..=7).contains(&ixs.len()) {
        return Err(fail(
            Reason::ExactInstructionsLength,
            format!("{} instructions (3 to 7 are accepted)", ixs.len()),
        ));
    }
    let program = |i: usize| keys.get(usize::from(ixs[i].program_id_index)).copied();
    let account = |i: usize, n: usize| {
        ixs[i]
            .accounts
            .get(n)
            .and_then(|a| keys.get(usize::from(*a)))
            .copied()
    };
    // Instruction `i` as a compute budget instruction `tag` with its little-endian argument.
    let compute_budget = |i: usize, tag: u8, len: usize| {
        let data = &ixs[i].data;
        let is_budget = program(i) == Some(solana_compute_budget_interface::ID);
        (is_budget && data.len() == 1 + len && data[0] == tag).then(|| {
            let mut arg = [0u8; 8];
            arg[..len].copy_from_slice(&data[1..]);
            u64::from_le_bytes(arg)
        })
    };
    let units = compute_budget(0, 2, 4).ok_or_else(|| {
        fail(
            Reason::ExactComputeLimitInstruction,
            "instruction 0 is not SetComputeUnitLimit",
        )
    })?;
    if units > u64::from(MAX_COMPUTE_UNITS) {
        return Err(fail(
            Reason::ExactComputeLimitTooHigh,
            format!("{units} compute units (at most {MAX_COMPUTE_UNITS})"),
        ));
    }
    let micro_lamports = compute_budget(1, 3, 8).ok_or_else(|| {
        fail(
            Reason::ExactComputePriceInstruction,
            "instruction 1 is not SetComputeUnitPrice",
        )
    })?;
    if micro_lamports > MAX_COMPUTE_UNIT_PRICE {
        return Err(fail(
            Reason::ExactComputePriceTooHigh,
            format!("{micro_lamports} micro-lamports per CU (at most {MAX_COMPUTE_UNIT_PRICE})"),
        ));
    }
    let token_program = program(2).unwrap_or_default();
    let transfer = &ixs[2].data;
    let is_token =
        token_program == spl_token_interface::ID || token_program == spl_token_2022_interface::ID;
    if !is_token || transfer.len() != 10 || transfer[0] != TRANSFER_CHECKED {
        return Err(fail(
            Reason::ExactNoTransferInstruction,
            "instruction 2 is not an SPL Token TransferChecked",
        ));
    }
    let (Some(source), Some(mint), Some(destination), Some(authority)) =
        (account(2, 0), account(2, 1), account(2, 2), account(2, 3))
    else {
        return Err(fail(
            Reason::ExactNoTransferInstruction,
            "TransferChecked names fewer than 4 accounts",
        ));
    };
    let moves_facilitator_funds = facilitator_keys.contains(&authority)
        || facilitator_keys.contains(&source)
        || ixs.iter().any(|ix| {
            ix.accounts
                .iter()
                .any(|a| keys.get(usize::from(*a)) == Some(&terms.fee_payer))
        });
    if moves_facilitator_funds {
        return Err(fail(
            Reason::ExactFeePayerTransferringFunds,
            "the fee payer appears in an instruction",
        ));
    }
    if mint != terms.asset {
        return Err(fail(
            Reason::ExactMintMismatch,
            format!("the transfer moves {mint}, not {}", terms.asset),
        ));
    }
    if destination != ata(&terms.pay_to, &terms.asset, &token_program) {
        return Err(fail(
            Reason::ExactRecipientMismatch,
            format!("the transfer goes to {destination}, not payTo's associated token account"),
        ));
    }
    let amount = u64::from_le_bytes(transfer[1..9].try_into().expect("8 bytes"));
    if amount != terms.amount {
        return Err(fail(
            Reason::ExactAmountMismatch,
            format!("the transfer moves {amount} atoms, not {}", terms.amount),
        ));
    }
    let by_position = [
        Reason::ExactUnknownFourthInstruction,
        Reason::ExactUnknownFifthInstruction,
        Reason::ExactUnknownSixthInstruction,
        Reason::ExactUnknownSeventhInstruction,
    ];
    let mut memos = Vec::new();
    for (offset, reason) in (3..ixs.len()).zip(by_position) {
        match program(offset) {
            Some(MEMO_PROGRAM) => memos.push(&ixs[offset].data),
            Some(LIGHTHOUSE_PROGRAM) => {}
            other => {
                return Err(fail(
                    reason,
                    format!(
                        "instruction {offset} calls {}",
                        other.map_or("nothing".into(), |p| p.to_string())
                    ),
                ))
            }
        }
    }
    if let Some(expected) = &terms.memo {
        let [memo] = memos.as_slice() else {
            return Err(fail(
                Reason::ExactMemoCount,
                format!("{} memos (exactly one is asked for)", memos.len()),
            ));
        };
        if memo.as_slice() != expected.as_bytes() {
            return Err(fail(
                Reason::ExactMemoMismatch,
                "the memo differs from extra.memo",
            ));
        }
    }
    Ok(CheckedTransfer {
        payer: authority,
        amount,
        message_hash: message_hash(tx),
    })
}

#[cfg(test)]
mod tests {
    use solana_message::VersionedMessage;

    use super::*;

    fn terms(fee_payer: &Keypair, memo: Option<&str>) -> ExactTerms {
        ExactTerms {
            asset: Pubkey::new_unique(),
            pay_to: Pubkey::new_unique(),
            amount: 1_000,
            fee_payer: fee_payer.pubkey(),
            memo: memo.map(str::to_string),
        }
    }

    fn build(terms: &ExactTerms, payer: &Keypair, nonce: &str) -> VersionedTransaction {
        transfer_transaction(
            terms,
            payer,
            &spl_token_interface::ID,
            6,
            Hash::new_unique(),
            nonce,
        )
        .unwrap()
    }

    #[test]
    fn test_the_clients_transaction_passes_inspection_and_round_trips_the_wire() {
        let (facilitator, payer) = (Keypair::new(), Keypair::new());
        let terms = terms(&facilitator, None);
        let tx = build(&terms, &payer, "ab12");
        let decoded = decode_transaction(&encode_transaction(&tx)).unwrap();
        assert_eq!(decoded, tx);
        let transfer = inspect(&decoded, &terms, &[facilitator.pubkey()]).unwrap();
        assert_eq!((transfer.payer, transfer.amount), (payer.pubkey(), 1_000));
        assert_eq!(transfer.message_hash, message_hash(&tx));
        // Two payments of the same amount differ by their nonce memo.
        assert_ne!(
            message_hash(&build(&terms, &payer, "cd34")),
            message_hash(&tx)
        );
    }

    #[test]
    fn test_a_seller_memo_must_be_carried_exactly_once() {
        let (facilitator, payer) = (Keypair::new(), Keypair::new());
        let asked = terms(&facilitator, Some("order-7"));
        assert!(inspect(&build(&asked, &payer, "x"), &asked, &[]).is_ok());
        let without = ExactTerms {
            memo: None,
            ..asked.clone()
        };
        let other_memo = build(&without, &payer, "order-8");
        assert_eq!(
            inspect(&other_memo, &asked, &[]).unwrap_err().reason,
            Reason::ExactMemoMismatch
        );
        let long = ExactTerms {
            memo: Some("m".repeat(MAX_MEMO_BYTES + 1)),
            ..asked.clone()
        };
        let requirements = PaymentRequirements {
            scheme: "exact".into(),
            network: "solana:x".into(),
            asset: long.asset.to_string(),
            amount: "1000".into(),
            pay_to: long.pay_to.to_string(),
            max_timeout_seconds: 60,
            extra: serde_json::json!({ "feePayer": facilitator.pubkey().to_string(), "memo": long.memo }),
        };
        assert_eq!(
            ExactTerms::of(&requirements).unwrap_err().reason,
            Reason::InvalidPaymentRequirements
        );
        let no_fee_payer = PaymentRequirements {
            extra: serde_json::json!({}),
            ..requirements
        };
        assert_eq!(
            ExactTerms::of(&no_fee_payer).unwrap_err().reason,
            Reason::ExactMissingFeePayer
        );
    }

    #[test]
    fn test_garbage_and_a_missing_compute_budget_are_refused_by_code() {
        let (facilitator, payer) = (Keypair::new(), Keypair::new());
        let terms = terms(&facilitator, None);
        for garbage in ["%%%", "AAAA"] {
            assert_eq!(
                decode_transaction(garbage).unwrap_err().reason,
                Reason::ExactTransactionCouldNotBeDecoded
            );
        }
        let mut tx = build(&terms, &payer, "n");
        message_only(&mut tx).instructions.swap(0, 1);
        resign(&mut tx, &payer);
        assert_eq!(
            inspect(&tx, &terms, &[]).unwrap_err().reason,
            Reason::ExactComputeLimitInstruction
        );
        message_only(&mut tx).instructions.truncate(2);
        resign(&mut tx, &payer);
        assert_eq!(
            inspect(&tx, &terms, &[]).unwrap_err().reason,
            Reason::ExactInstructionsLength
        );
    }

    /// The payer (the second signer) signs the edited message again.
    fn resign(tx: &mut VersionedTransaction, payer: &Keypair) {
        tx.signatures[1] = payer.sign_message(&tx.message.serialize());
    }

    fn message_only(tx: &mut VersionedTransaction) -> &mut solana_message::v0::Message {
        match &mut tx.message {
            VersionedMessage::V0(message) => message,
            VersionedMessage::Legacy(_) => panic!("v0"),
        }
    }
}
