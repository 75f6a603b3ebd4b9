//! The receipt: what every executed step leaves behind, and its leaf hash.
//!
//! ## Canonical encoding (version 1)
//!
//! `encoding = borsh(Receipt)`: the fields below in declaration order, integers little-endian,
//! public keys and hashes as 32 raw bytes, enums as a one-byte variant index followed by their
//! fields. There is no padding and no length prefix anywhere (every field has a fixed size), so
//! version 1 encodings are always [`Receipt::ENCODED_LEN`] bytes.
//!
//! ## Leaf
//!
//! `leaf = keccak256( [RECEIPT_VERSION] || LEAF_DOMAIN_TAG || encoding )`
//!
//! with `RECEIPT_VERSION = 1` and `LEAF_DOMAIN_TAG = "agentrunner/receipt/leaf"` (24 ASCII
//! bytes). Inner nodes of the tree are the SPL concurrent Merkle tree's `keccak256(left ||
//! right)` over exactly 64 bytes; a leaf preimage is `1 + 24 + ENCODED_LEN` bytes and starts with
//! the version byte and tag, so no leaf can be read as an inner node or the reverse.
//!
//! The same layout is specified in `programs/receipts/RECEIPT_FORMAT.md` for independent
//! implementations, and `crates/client` maps it one-to-one onto a JSON form.
use anchor_lang::prelude::*;

use crate::constants::{LEAF_DOMAIN_TAG, RECEIPT_VERSION};

/// What kind of step produced the receipt.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptKind {
    Swap,
    Dca,
    Rebalance,
    Service,
    Payment,
    /// A Fund Admin net asset value (`runner::record_nav`): `amount_in` micro-USD over
    /// `amount_out` positions committed to by `inputs_hash`.
    Nav,
    /// A liquidity step (`runner::execute_liquidity_step`): one pool token into the pool's LP
    /// token, or LP tokens out to one pool token; the guards' price is the input leg's (an LP
    /// token's is its fair price from the pool, the pool's address as its feed).
    Liquidity,
}

/// How the vendor was paid.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentMethod {
    /// An escrow grant; `reference` is the grant account.
    Grant,
    /// A cumulative voucher settlement; `reference` is the grant account.
    Voucher,
    /// No payment.
    None,
}

/// Oracle and guard values observed on-chain when the step executed (all zero for Service
/// steps, which trade nothing).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObservedGuards {
    /// The input mint's oracle price as its oracle published it: USD per whole input token is
    /// `oracle_price × 10^oracle_exponent` (Pyth's mantissa; Switchboard's 18-decimal value).
    pub oracle_price: i64,
    /// The exponent of `oracle_price`.
    pub oracle_exponent: i32,
    /// Publish time of that input-leg oracle update, unix seconds.
    pub oracle_publish_time: i64,
    /// Feed id of the input leg (Pyth feed id, or a Switchboard feed account's key).
    pub feed_id: [u8; 32],
    /// Slippage realized against the oracle cross price, bps (rounded up).
    pub realized_slippage_bps: u16,
    /// The vendor's fee for this execution (the awarded price), atoms of the budget's mint;
    /// equal to `payment.amount`.
    pub fee_paid: u64,
}

/// Payment for the step.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payment {
    pub method: PaymentMethod,
    /// The grant account paid from.
    pub reference: Pubkey,
    /// Atoms of the budget's mint.
    pub amount: u64,
}

/// A receipt, version 1. Field order is the encoding order; never reorder, only add a version.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub plan: Pubkey,
    pub step: u16,
    /// Execution number within the step (DCA repeats), from 0.
    pub execution: u32,
    pub agent: Pubkey,
    /// Index of the agent version that executed.
    pub agent_version: u32,
    pub payer: Pubkey,
    pub kind: ReceiptKind,
    /// Hash of the step's inputs (the plan step's canonical parameters).
    pub inputs_hash: [u8; 32],
    pub amount_in: u64,
    pub mint_in: Pubkey,
    pub amount_out: u64,
    pub mint_out: Pubkey,
    pub guards: ObservedGuards,
    pub payment: Payment,
    /// The venue program called.
    pub venue: Pubkey,
    pub slot: u64,
    /// Unix seconds.
    pub unix_time: i64,
    /// sha256 of the vendor's signed off-chain receipt JSON, zero if none.
    pub vendor_receipt_hash: [u8; 32],
}

impl Receipt {
    /// Length of a version-1 encoding, bytes.
    pub const ENCODED_LEN: usize = 32
        + 2
        + 4
        + 32
        + 4
        + 32
        + 1
        + 32
        + 8
        + 32
        + 8
        + 32
        + (8 + 4 + 8 + 32 + 2 + 8)
        + (1 + 32 + 8)
        + 32
        + 8
        + 8
        + 32;

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(Self::ENCODED_LEN);
        self.serialize(&mut bytes)
            .expect("writing to a Vec cannot fail");
        bytes
    }

    /// The tree leaf of this receipt.
    pub fn leaf(&self) -> [u8; 32] {
        leaf_of_encoding(&self.encode())
    }

    /// A trading step's receipt (swap, DCA, rebalance, liquidity): what went in and came out
    /// through `venue`, what the guards observed, and the vendor's fee paid from `grant` — the
    /// guards' `fee_paid` is that fee, always equal to `payment.amount`.
    pub fn trade(
        execution: StepExecution,
        traded: Traded,
        mut guards: ObservedGuards,
        (grant, fee): (Pubkey, u64),
        venue: Pubkey,
        clock: &Clock,
    ) -> Self {
        guards.fee_paid = fee;
        Self::new(
            execution,
            traded,
            guards,
            Payment::grant(grant, fee),
            venue,
            clock,
        )
    }

    /// A service step's receipt: nothing traded or observed, the vendor's fee paid from
    /// `grant`; `execution.vendor_receipt_hash` is the hash of the result it delivered.
    pub fn service(
        mut execution: StepExecution,
        (grant, fee): (Pubkey, u64),
        clock: &Clock,
    ) -> Self {
        execution.kind = ReceiptKind::Service;
        Self::new(
            execution,
            Traded::default(),
            ObservedGuards::default(),
            Payment::grant(grant, fee),
            Pubkey::default(),
            clock,
        )
    }

    /// A Fund Admin NAV receipt for `owner`, recorded by `recorder`: `total_usd` (micro-USD)
    /// over `positions` positions committed to by `positions_hash`, its oldest price published
    /// at `oldest_publish_time`; no payment.
    pub fn nav(
        (owner, recorder): (Pubkey, Pubkey),
        positions_hash: [u8; 32],
        (total_usd, positions): (u64, u64),
        oldest_publish_time: i64,
        clock: &Clock,
    ) -> Self {
        let execution = StepExecution {
            plan: owner,
            step: 0,
            execution: 0,
            agent: recorder,
            agent_version: 0,
            payer: owner,
            kind: ReceiptKind::Nav,
            inputs_hash: positions_hash,
            vendor_receipt_hash: [0; 32],
        };
        let totals = Traded {
            amount_in: total_usd,
            amount_out: positions,
            ..Traded::default()
        };
        let guards = ObservedGuards {
            oracle_publish_time: oldest_publish_time,
            ..ObservedGuards::default()
        };
        Self::new(
            execution,
            totals,
            guards,
            Payment::NONE,
            Pubkey::default(),
            clock,
        )
    }

    fn new(
        execution: StepExecution,
        traded: Traded,
        guards: ObservedGuards,
        payment: Payment,
        venue: Pubkey,
        clock: &Clock,
    ) -> Self {
        Self {
            plan: execution.plan,
            step: execution.step,
            execution: execution.execution,
            agent: execution.agent,
            agent_version: execution.agent_version,
            payer: execution.payer,
            kind: execution.kind,
            inputs_hash: execution.inputs_hash,
            amount_in: traded.amount_in,
            mint_in: traded.mint_in,
            amount_out: traded.amount_out,
            mint_out: traded.mint_out,
            guards,
            payment,
            venue,
            slot: clock.slot,
            unix_time: clock.unix_timestamp,
            vendor_receipt_hash: execution.vendor_receipt_hash,
        }
    }
}

impl Payment {
    /// No payment.
    pub const NONE: Self = Self {
        method: PaymentMethod::None,
        reference: Pubkey::new_from_array([0; 32]),
        amount: 0,
    };

    /// `amount` atoms paid from the escrow grant `grant`.
    pub fn grant(grant: Pubkey, amount: u64) -> Self {
        Self {
            method: PaymentMethod::Grant,
            reference: grant,
            amount,
        }
    }
}

/// Which execution of which plan step a receipt records, and by whom.
#[derive(Clone, Copy, Debug)]
pub struct StepExecution {
    pub plan: Pubkey,
    pub step: u16,
    /// Execution number within the step, from 0.
    pub execution: u32,
    pub agent: Pubkey,
    /// Index of the agent version that executed.
    pub agent_version: u32,
    /// The plan's owner.
    pub payer: Pubkey,
    pub kind: ReceiptKind,
    /// Hash of the step's canonical inputs.
    pub inputs_hash: [u8; 32],
    /// sha256 of the vendor's signed off-chain receipt (or result), zero if none.
    pub vendor_receipt_hash: [u8; 32],
}

/// What a trade moved: atoms of `mint_in` in, atoms of `mint_out` out.
#[derive(Clone, Copy, Debug, Default)]
pub struct Traded {
    pub amount_in: u64,
    pub mint_in: Pubkey,
    pub amount_out: u64,
    pub mint_out: Pubkey,
}

/// `keccak256([RECEIPT_VERSION] || LEAF_DOMAIN_TAG || encoding)`.
pub fn leaf_of_encoding(encoding: &[u8]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[&[RECEIPT_VERSION], LEAF_DOMAIN_TAG, encoding]).to_bytes()
}

/// Which shard (tree) a plan's receipts go to: the plan key's first two bytes, little-endian,
/// modulo the shard count. Plan keys are PDAs (uniform), so shards fill evenly, and every receipt
/// of one plan lands in one tree.
pub fn shard_for(plan: &Pubkey, shard_count: u16) -> u16 {
    let bytes = plan.to_bytes();
    u16::from_le_bytes([bytes[0], bytes[1]])
        .checked_rem(shard_count)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution() -> StepExecution {
        StepExecution {
            plan: Pubkey::new_unique(),
            step: 1,
            execution: 2,
            agent: Pubkey::new_unique(),
            agent_version: 3,
            payer: Pubkey::new_unique(),
            kind: ReceiptKind::Dca,
            inputs_hash: [4; 32],
            vendor_receipt_hash: [5; 32],
        }
    }

    fn clock() -> Clock {
        Clock {
            slot: 77,
            unix_timestamp: 1_700_000_000,
            ..Clock::default()
        }
    }

    #[test]
    fn a_trade_receipt_records_its_fee_once_for_guards_and_payment() {
        let grant = Pubkey::new_unique();
        let guards = ObservedGuards {
            fee_paid: 1,
            ..ObservedGuards::default()
        };
        let receipt = Receipt::trade(
            execution(),
            Traded::default(),
            guards,
            (grant, 50_000),
            Pubkey::new_unique(),
            &clock(),
        );
        assert_eq!(receipt.guards.fee_paid, 50_000);
        assert_eq!(receipt.payment, Payment::grant(grant, 50_000));
        assert_eq!((receipt.kind, receipt.slot), (ReceiptKind::Dca, 77));
        assert_eq!(receipt.encode().len(), Receipt::ENCODED_LEN);
    }

    #[test]
    fn a_service_receipt_trades_nothing_and_a_nav_pays_nothing() {
        let service = Receipt::service(execution(), (Pubkey::new_unique(), 9), &clock());
        assert_eq!(service.kind, ReceiptKind::Service);
        assert_eq!(service.guards, ObservedGuards::default());
        assert_eq!((service.amount_in, service.amount_out), (0, 0));
        assert_eq!(service.vendor_receipt_hash, [5; 32]);
        let owner = Pubkey::new_unique();
        let nav = Receipt::nav((owner, owner), [6; 32], (1_000, 3), 42, &clock());
        assert_eq!((nav.kind, nav.payment), (ReceiptKind::Nav, Payment::NONE));
        assert_eq!((nav.amount_in, nav.amount_out), (1_000, 3));
        assert_eq!(nav.guards.oracle_publish_time, 42);
        assert_eq!(nav.unix_time, 1_700_000_000);
    }
}
