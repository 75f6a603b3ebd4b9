//! Verifying a receipt without trusting AgentRunner's keepers: the receipt (or its JSON), its
//! leaf index, a proof, and the PeriodRoot account data read from any RPC.
use receipts::{merkle::root_from_proof, state::PeriodRoot, Receipt};

/// Why a receipt does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("proof has {got} nodes; the tree depth is {expected}")]
    ProofLength { got: usize, expected: u32 },
    #[error("leaf index {index} is not in this period [{first}, {end})")]
    IndexOutsidePeriod { index: u64, first: u64, end: u64 },
    #[error("the receipt and proof do not hash to the period root")]
    RootMismatch,
    #[error("the tree does not hold this receipt at leaf {index}")]
    LeafNotInTree { index: u64 },
}

/// Checks `receipt` at `index` with `proof` against `period` (the same rules as the on-chain
/// `verify_receipt`).
pub fn verify_against_period(
    receipt: &Receipt,
    index: u64,
    proof: &[[u8; 32]],
    period: &PeriodRoot,
) -> Result<(), VerifyError> {
    if proof.len() != period.max_depth as usize {
        return Err(VerifyError::ProofLength {
            got: proof.len(),
            expected: period.max_depth,
        });
    }
    if !period.covers(index) {
        return Err(VerifyError::IndexOutsidePeriod {
            index,
            first: period.first_leaf,
            end: period.tree_size(),
        });
    }
    if root_from_proof(receipt.leaf(), index, proof) != period.root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}
