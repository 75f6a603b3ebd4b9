//! Off-chain side of x402 "upto" vouchers: signing them with a budget's session key and
//! building the Ed25519 precompile instruction that proves the signatures on-chain.
//!
//! The signed message is [`escrow::voucher::voucher_message`] (the program's own function, so the
//! two sides cannot drift). One precompile instruction can carry many vouchers; when they share
//! a session key its 32 bytes are written once.
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_signer::Signer;

/// A voucher before signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Voucher {
    pub budget: Pubkey,
    pub grant: Pubkey,
    /// The grant's `issued_slot`.
    pub grant_issued_slot: u64,
    /// The grant's vendor payout token account.
    pub vendor: Pubkey,
    /// Cumulative atoms authorized for this grant.
    pub cumulative: u64,
    /// Unix seconds (exclusive).
    pub expires_at: i64,
}

impl Voucher {
    /// The 32-byte message the session key signs.
    pub fn message(&self) -> [u8; 32] {
        escrow::voucher::voucher_message(
            &escrow::ID,
            &self.budget,
            &self.grant,
            self.grant_issued_slot,
            &self.vendor,
            self.cumulative,
            self.expires_at,
        )
    }

    /// Signs with the budget's session key.
    pub fn sign(self, session_key: &dyn Signer) -> SignedVoucher {
        let signature = session_key.sign_message(&self.message());
        let mut bytes = [0u8; 64];
        bytes.copy_from_slice(signature.as_ref());
        SignedVoucher {
            voucher: self,
            signer: session_key.pubkey(),
            signature: bytes,
        }
    }
}

/// A voucher with its Ed25519 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedVoucher {
    pub voucher: Voucher,
    pub signer: Pubkey,
    pub signature: [u8; 64],
}

const HEADER: usize = 2;
const OFFSETS: usize = 14;

/// One Ed25519 precompile instruction verifying every voucher, signature `i` for voucher `i`.
/// All offsets point inside this instruction (instruction-index fields = `u16::MAX`).
///
/// # Panics
/// If more than 255 vouchers are given or the data exceeds 64 KiB (a transaction holds ~8).
pub fn ed25519_instruction(vouchers: &[SignedVoucher]) -> Instruction {
    let count = u8::try_from(vouchers.len()).expect("at most 255 vouchers per instruction");
    let table = HEADER + OFFSETS * vouchers.len();
    let mut body: Vec<u8> = Vec::new();
    let mut keys: Vec<(Pubkey, usize)> = Vec::new();
    let mut offsets: Vec<u8> = Vec::with_capacity(OFFSETS * vouchers.len());
    let at =
        |body: &Vec<u8>| u16::try_from(table + body.len()).expect("ed25519 data fits u16 offsets");
    for signed in vouchers {
        let pubkey_at = match keys.iter().find(|(k, _)| *k == signed.signer) {
            Some((_, at)) => *at,
            None => {
                let position = usize::from(at(&body));
                body.extend_from_slice(signed.signer.as_ref());
                keys.push((signed.signer, position));
                position
            }
        };
        let signature_at = at(&body);
        body.extend_from_slice(&signed.signature);
        let message_at = at(&body);
        body.extend_from_slice(&signed.voucher.message());
        let pubkey_at = u16::try_from(pubkey_at).expect("fits");
        for value in [
            signature_at,
            u16::MAX,
            pubkey_at,
            u16::MAX,
            message_at,
            32,
            u16::MAX,
        ] {
            offsets.extend_from_slice(&value.to_le_bytes());
        }
    }
    let mut data = vec![count, 0];
    data.extend(offsets);
    data.extend(body);
    Instruction {
        program_id: solana_sdk_ids::ed25519_program::ID,
        accounts: vec![],
        data,
    }
}
