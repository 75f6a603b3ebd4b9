//! Program-derived addresses, one function per account type, built from each program's `SEED`
//! constants. Each returns `(address, canonical bump)`.
use agent_registry::state::{Agent, AgentVersion, Attestation, RegistryConfig, Stage};
use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use anchor_lang::prelude::Pubkey;
use escrow::state::{Budget, Grant};

/// Derivations remembered before the memory starts over (~100 bytes each).
const REMEMBERED: usize = 100_000;

/// Found derivations: the program and length-prefixed seeds -> the address and its bump.
type Derivations = HashMap<Vec<u8>, (Pubkey, u8)>;

/// `Pubkey::find_program_address`, remembered for the process. A derivation is a pure function
/// of its seeds and program, and finding one tries bumps from 255 down with an ed25519 curve
/// check each (tens of microseconds natively); a keeper derives the same plans', grants' and
/// pools' addresses on every round.
fn find(seeds: &[&[u8]], program: &Pubkey) -> (Pubkey, u8) {
    static FOUND: OnceLock<Mutex<Derivations>> = OnceLock::new();
    let mut key = program.to_bytes().to_vec();
    for seed in seeds {
        // Length-prefixed: ["ab", "c"] and ["a", "bc"] are remembered apart (they derive the
        // same address, as the runtime hashes seeds back to back).
        key.push(seed.len() as u8);
        key.extend_from_slice(seed);
    }
    let found = FOUND.get_or_init(Mutex::default);
    if let Some(hit) = found.lock().expect("derivations poisoned").get(&key) {
        return *hit;
    }
    let derived = Pubkey::find_program_address(seeds, program);
    let mut found = found.lock().expect("derivations poisoned");
    if found.len() >= REMEMBERED {
        found.clear();
    }
    found.insert(key, derived);
    derived
}

/// The Anchor event authority of `program_id` (signs `emit_cpi!` self-invocations).
pub fn event_authority(program_id: &Pubkey) -> (Pubkey, u8) {
    find(&[b"__event_authority"], program_id)
}

/// The ProgramData account of an upgradeable program.
pub fn program_data(program_id: &Pubkey) -> Pubkey {
    anchor_lang::solana_program::bpf_loader_upgradeable::get_program_data_address(program_id)
}

/// `agent_registry` config: `["config"]`.
pub fn registry_config() -> (Pubkey, u8) {
    find(&[RegistryConfig::SEED], &agent_registry::ID)
}

/// An agent: `["agent", owner, sha256(name)]`.
pub fn agent(owner: &Pubkey, name: &str) -> (Pubkey, u8) {
    find(
        &[Agent::SEED, owner.as_ref(), &Agent::name_hash(name)],
        &agent_registry::ID,
    )
}

/// Version `index` of an agent: `["version", agent, index LE]`.
pub fn agent_version(agent: &Pubkey, index: u32) -> (Pubkey, u8) {
    find(
        &[AgentVersion::SEED, agent.as_ref(), &index.to_le_bytes()],
        &agent_registry::ID,
    )
}

/// Attempt `attempt` of `stage` on a version: `["attestation", version, stage, attempt]`.
pub fn attestation(version: &Pubkey, stage: Stage, attempt: u8) -> (Pubkey, u8) {
    find(
        &[
            Attestation::SEED,
            version.as_ref(),
            &[stage as u8],
            &[attempt],
        ],
        &agent_registry::ID,
    )
}

/// An escrow budget: `["budget", payer, id]`.
pub fn budget(payer: &Pubkey, id: &[u8; 32]) -> (Pubkey, u8) {
    find(&[Budget::SEED, payer.as_ref(), id], &escrow::ID)
}

/// A budget's vault token account: `["vault", budget]`.
pub fn vault(budget: &Pubkey) -> (Pubkey, u8) {
    find(
        &[escrow::constants::VAULT_SEED, budget.as_ref()],
        &escrow::ID,
    )
}

/// Grant number `index` of a budget: `["grant", budget, index LE]`.
pub fn grant(budget: &Pubkey, index: u32) -> (Pubkey, u8) {
    find(
        &[Grant::SEED, budget.as_ref(), &index.to_le_bytes()],
        &escrow::ID,
    )
}

/// The associated token account of `owner` for `mint` under `token_program`.
pub fn ata(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
        owner,
        mint,
        token_program,
    )
}

/// An RFP: `["rfp", requester, plan, step LE]`.
pub fn rfp(requester: &Pubkey, plan: &Pubkey, step: u16) -> (Pubkey, u8) {
    find(
        &[
            market::constants::RFP_SEED,
            requester.as_ref(),
            plan.as_ref(),
            &step.to_le_bytes(),
        ],
        &market::ID,
    )
}

/// An agent's offer on an RFP: `["offer", rfp, agent]`.
pub fn offer(rfp: &Pubkey, agent: &Pubkey) -> (Pubkey, u8) {
    find(
        &[market::constants::OFFER_SEED, rfp.as_ref(), agent.as_ref()],
        &market::ID,
    )
}

/// `receipts` config: `["config"]`.
pub fn receipts_config() -> (Pubkey, u8) {
    find(&[receipts::constants::CONFIG_SEED], &receipts::ID)
}

/// One generation of a shard's trees: `["tree", shard LE, generation LE]`.
pub fn receipt_tree(shard: u16, generation: u32) -> (Pubkey, u8) {
    find(
        &[
            receipts::constants::TREE_SEED,
            &shard.to_le_bytes(),
            &generation.to_le_bytes(),
        ],
        &receipts::ID,
    )
}

/// A receipts shard (its generation count): `["shard", shard LE]`.
pub fn shard(shard: u16) -> (Pubkey, u8) {
    find(
        &[receipts::constants::SHARD_SEED, &shard.to_le_bytes()],
        &receipts::ID,
    )
}

/// The registry's record of what a payer contributed to an agent's reputation:
/// `["payer", agent, payer]`.
pub fn payer_record(agent: &Pubkey, payer: &Pubkey) -> (Pubkey, u8) {
    find(
        &[
            agent_registry::constants::PAYER_SEED,
            agent.as_ref(),
            payer.as_ref(),
        ],
        &agent_registry::ID,
    )
}

/// A payer's escrow grant counter (where its next budget's grant indices start):
/// `["grants", payer]`.
pub fn grant_counter(payer: &Pubkey) -> (Pubkey, u8) {
    find(
        &[escrow::constants::GRANT_COUNTER_SEED, payer.as_ref()],
        &escrow::ID,
    )
}

/// A tree's authority PDA: `["tree_authority", tree]`.
pub fn tree_authority(tree: &Pubkey) -> (Pubkey, u8) {
    find(
        &[receipts::constants::TREE_AUTHORITY_SEED, tree.as_ref()],
        &receipts::ID,
    )
}

/// PeriodRoot number `index` of a tree: `["period", tree, index LE]`.
pub fn period_root(tree: &Pubkey, index: u64) -> (Pubkey, u8) {
    find(
        &[
            receipts::constants::PERIOD_SEED,
            tree.as_ref(),
            &index.to_le_bytes(),
        ],
        &receipts::ID,
    )
}

/// A runner plan: `["plan", owner, plan_id LE]`.
pub fn plan(owner: &Pubkey, plan_id: u64) -> (Pubkey, u8) {
    find(
        &[
            runner::constants::PLAN_SEED,
            owner.as_ref(),
            &plan_id.to_le_bytes(),
        ],
        &runner::ID,
    )
}

/// An owner's delegate, the SPL delegate of the owner's input accounts for every approved plan:
/// `["delegate", owner]`.
pub fn owner_delegate(owner: &Pubkey) -> (Pubkey, u8) {
    find(
        &[runner::constants::DELEGATE_SEED, owner.as_ref()],
        &runner::ID,
    )
}

/// An owner's staging account of `mint` (its own authority): `["staging", owner, mint]`.
pub fn staging(owner: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
    find(
        &[
            runner::constants::STAGING_SEED,
            owner.as_ref(),
            mint.as_ref(),
        ],
        &runner::ID,
    )
}

/// The runner authority (receipts writer, registry outcome recorder): `["authority"]`.
pub fn runner_authority() -> (Pubkey, u8) {
    find(&[runner::constants::AUTHORITY_SEED], &runner::ID)
}

/// The sim_venue pool of a pair (mints in either order): `["pool", min, max]`.
pub fn pool(mint_x: &Pubkey, mint_y: &Pubkey) -> (Pubkey, u8) {
    let (a, b) = if mint_x < mint_y {
        (mint_x, mint_y)
    } else {
        (mint_y, mint_x)
    };
    find(
        &[sim_venue::constants::POOL_SEED, a.as_ref(), b.as_ref()],
        &sim_venue::ID,
    )
}

/// A pool's vault for `mint`: `["vault", pool, mint]`.
pub fn pool_vault(pool: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
    find(
        &[
            sim_venue::constants::POOL_VAULT_SEED,
            pool.as_ref(),
            mint.as_ref(),
        ],
        &sim_venue::ID,
    )
}

/// A pool's LP mint: `["lp_mint", pool]`.
pub fn lp_mint(pool: &Pubkey) -> (Pubkey, u8) {
    find(
        &[sim_venue::constants::LP_MINT_SEED, pool.as_ref()],
        &sim_venue::ID,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_a_remembered_derivation_is_the_derivation() {
        let program = runner::ID;
        for seeds in [&[&b"ab"[..], b"c"][..], &[b"a", b"bc"], &[b"abc"]] {
            assert_eq!(
                find(seeds, &program),
                Pubkey::find_program_address(seeds, &program),
                "{seeds:?}"
            );
            // Asked again: the remembered answer.
            assert_eq!(
                find(seeds, &program),
                Pubkey::find_program_address(seeds, &program)
            );
        }
    }
}
