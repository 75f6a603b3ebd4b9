//! Program-derived addresses, one function per account type, built from each program's `SEED`
//! constants. Each returns `(address, canonical bump)`.
use agent_registry::state::{Agent, AgentVersion, Attestation, RegistryConfig, Stage};
use anchor_lang::prelude::Pubkey;
use escrow::state::{Budget, Grant};

/// The Anchor event authority of `program_id` (signs `emit_cpi!` self-invocations).
pub fn event_authority(program_id: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[b"__event_authority"], program_id)
}

/// The ProgramData account of an upgradeable program.
pub fn program_data(program_id: &Pubkey) -> Pubkey {
    anchor_lang::solana_program::bpf_loader_upgradeable::get_program_data_address(program_id)
}

/// `agent_registry` config: `["config"]`.
pub fn registry_config() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[RegistryConfig::SEED], &agent_registry::ID)
}

/// An agent: `["agent", owner, sha256(name)]`.
pub fn agent(owner: &Pubkey, name: &str) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[Agent::SEED, owner.as_ref(), &Agent::name_hash(name)],
        &agent_registry::ID,
    )
}

/// Version `index` of an agent: `["version", agent, index LE]`.
pub fn agent_version(agent: &Pubkey, index: u32) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[AgentVersion::SEED, agent.as_ref(), &index.to_le_bytes()],
        &agent_registry::ID,
    )
}

/// Attempt `attempt` of `stage` on a version: `["attestation", version, stage, attempt]`.
pub fn attestation(version: &Pubkey, stage: Stage, attempt: u8) -> (Pubkey, u8) {
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(&[Budget::SEED, payer.as_ref(), id], &escrow::ID)
}

/// A budget's vault token account: `["vault", budget]`.
pub fn vault(budget: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[escrow::constants::VAULT_SEED, budget.as_ref()],
        &escrow::ID,
    )
}

/// Grant number `index` of a budget: `["grant", budget, index LE]`.
pub fn grant(budget: &Pubkey, index: u32) -> (Pubkey, u8) {
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(
        &[market::constants::OFFER_SEED, rfp.as_ref(), agent.as_ref()],
        &market::ID,
    )
}

/// `receipts` config: `["config"]`.
pub fn receipts_config() -> (Pubkey, u8) {
    Pubkey::find_program_address(&[receipts::constants::CONFIG_SEED], &receipts::ID)
}

/// One generation of a shard's trees: `["tree", shard LE, generation LE]`.
pub fn receipt_tree(shard: u16, generation: u32) -> (Pubkey, u8) {
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(
        &[receipts::constants::SHARD_SEED, &shard.to_le_bytes()],
        &receipts::ID,
    )
}

/// The registry's record of what a payer contributed to an agent's reputation:
/// `["payer", agent, payer]`.
pub fn payer_record(agent: &Pubkey, payer: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(
        &[escrow::constants::GRANT_COUNTER_SEED, payer.as_ref()],
        &escrow::ID,
    )
}

/// A tree's authority PDA: `["tree_authority", tree]`.
pub fn tree_authority(tree: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[receipts::constants::TREE_AUTHORITY_SEED, tree.as_ref()],
        &receipts::ID,
    )
}

/// PeriodRoot number `index` of a tree: `["period", tree, index LE]`.
pub fn period_root(tree: &Pubkey, index: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(
        &[runner::constants::DELEGATE_SEED, owner.as_ref()],
        &runner::ID,
    )
}

/// An owner's staging account of `mint` (its own authority): `["staging", owner, mint]`.
pub fn staging(owner: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(&[runner::constants::AUTHORITY_SEED], &runner::ID)
}

/// The sim_venue pool of a pair (mints in either order): `["pool", min, max]`.
pub fn pool(mint_x: &Pubkey, mint_y: &Pubkey) -> (Pubkey, u8) {
    let (a, b) = if mint_x < mint_y {
        (mint_x, mint_y)
    } else {
        (mint_y, mint_x)
    };
    Pubkey::find_program_address(
        &[sim_venue::constants::POOL_SEED, a.as_ref(), b.as_ref()],
        &sim_venue::ID,
    )
}

/// A pool's vault for `mint`: `["vault", pool, mint]`.
pub fn pool_vault(pool: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
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
    Pubkey::find_program_address(
        &[sim_venue::constants::LP_MINT_SEED, pool.as_ref()],
        &sim_venue::ID,
    )
}
