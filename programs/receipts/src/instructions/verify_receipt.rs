use anchor_lang::prelude::*;

use crate::{
    error::ReceiptsError, events::ReceiptVerified, merkle::root_from_proof, receipt::Receipt,
    state::PeriodRoot,
};

/// What is being proven: a leaf hash, or the receipt itself (its leaf is computed on-chain).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub enum ReceiptInput {
    Leaf([u8; 32]),
    Receipt(Box<Receipt>),
}

impl ReceiptInput {
    pub fn leaf(&self) -> [u8; 32] {
        match self {
            ReceiptInput::Leaf(leaf) => *leaf,
            ReceiptInput::Receipt(receipt) => receipt.leaf(),
        }
    }
}

#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct VerifyReceiptArgs {
    pub input: ReceiptInput,
    /// Leaf index in the tree; must fall inside the period.
    pub index: u64,
    /// Exactly `max_depth` sibling nodes, leaf level first.
    pub proof: Vec<[u8; 32]>,
}

/// Proves a receipt against a frozen PeriodRoot with the SPL concurrent Merkle tree's hashing.
/// Fails with a clear error on a wrong proof length, an index outside the period, or a wrong
/// proof; an unknown period is an uninitialized account.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: VerifyReceiptArgs)]
pub struct VerifyReceipt<'info> {
    #[account(
        seeds = [PeriodRoot::SEED, period_root.tree.as_ref(), period_root.index.to_le_bytes().as_ref()],
        bump = period_root.bump
    )]
    pub period_root: Box<Account<'info, PeriodRoot>>,
}

impl VerifyReceipt<'_> {
    /// Returns the leaf after checking the proof.
    fn check(&self, args: &VerifyReceiptArgs) -> Result<[u8; 32]> {
        let period = &self.period_root;
        require!(
            u32::try_from(args.proof.len()).ok() == Some(period.max_depth),
            ReceiptsError::InvalidProofLength
        );
        require!(period.covers(args.index), ReceiptsError::IndexOutsidePeriod);
        let leaf = args.input.leaf();
        require!(
            root_from_proof(leaf, args.index, &args.proof) == period.root,
            ReceiptsError::InvalidProof
        );
        Ok(leaf)
    }
}

pub fn handler(ctx: Context<VerifyReceipt>, args: VerifyReceiptArgs) -> Result<()> {
    let clock = Clock::get()?;
    let leaf = ctx.accounts.check(&args)?;
    let period = &ctx.accounts.period_root;
    emit_cpi!(ReceiptVerified {
        period_root: period.key(),
        tree: period.tree,
        leaf,
        index: args.index,
        root: period.root,
        live: false,
        slot: clock.slot,
        unix_ts: clock.unix_timestamp,
    });
    Ok(())
}
