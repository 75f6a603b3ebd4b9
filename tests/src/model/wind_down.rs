//! The end of a model run: every plan cancelled and closed, every budget settled, every staging
//! account and RFP closed; then no account is left that someone should have been able to close,
//! and every remaining program account is of a kind meant to last.
use agent_registry::state::{Agent, AgentVersion, Attestation, PayerRecord, RegistryConfig};
use agentrunner_client::{chain::Chain, ix, pda};
use anchor_lang::{prelude::Pubkey, Discriminator};
use escrow::state::GrantCounter;
use receipts::state::{PeriodRoot, ReceiptTree, ReceiptsConfig, Shard};
use solana_signer::Signer;

use super::{checks, execute, plans, World};
use crate::context::landed;

/// Winds the run down and checks what is left.
pub(crate) async fn wind_down(world: &mut World) {
    for i in 0..world.plans.len() {
        if !world.plans[i].cancelled && !world.plans[i].is_finished() {
            let plan = &world.plans[i];
            let stored: runner::state::Plan = world.w.ctx.get(&plan.key).await;
            let owner = world.owners[plan.owner].owner.keypair.insecure_clone();
            let cancel = ix::runner::cancel_plan(&plan.key, &stored);
            landed(world.w.ctx.send(&[cancel], &[&owner]).await);
            world.count(false);
            world.plans[i].cancelled = true;
        }
    }
    while let Some(plan) = world.plans.pop() {
        plans::close_plan(world, plan).await;
        checks::check(world).await;
    }
    for o in 0..world.owners.len() {
        let owner = world.owners[o].owner.keypair.insecure_clone();
        for mint in [world.w.sol, world.w.usdc] {
            let staging = pda::staging(&owner.pubkey(), &mint).0;
            if world.w.ctx.chain.account(&staging).await.unwrap().is_some() {
                let close = ix::runner::close_staging(&owner.pubkey(), &mint);
                landed(world.w.ctx.send(&[close], &[&owner]).await);
                world.count(false);
                checks::untrack(world, &[staging]);
            }
        }
    }
    execute::warp_by(world, 2 * 86_400).await;
    plans::close_rfps(world).await;
    assert!(world.rfps_to_close.is_empty());
    checks::check(world).await;
    nothing_left(world).await;
}

/// Account kinds that stay by design: configurations, the registry's record of agents, their
/// versions, attestations and payer records (reputation history), the receipts shards, trees
/// and period roots (what auditors verify against), and each payer's grant counter (which keeps
/// grant addresses unique for ever).
fn permanent(discriminator: &[u8]) -> bool {
    [
        RegistryConfig::DISCRIMINATOR,
        Agent::DISCRIMINATOR,
        AgentVersion::DISCRIMINATOR,
        Attestation::DISCRIMINATOR,
        PayerRecord::DISCRIMINATOR,
        ReceiptsConfig::DISCRIMINATOR,
        Shard::DISCRIMINATOR,
        ReceiptTree::DISCRIMINATOR,
        PeriodRoot::DISCRIMINATOR,
        GrantCounter::DISCRIMINATOR,
    ]
    .iter()
    .any(|d| discriminator.starts_with(d))
}

async fn nothing_left(world: &World) {
    let chain = &world.w.ctx.chain;
    for program in [
        agent_registry::ID,
        escrow::ID,
        market::ID,
        receipts::ID,
        runner::ID,
    ] {
        for (address, account) in chain.program_accounts(&program, &[]).await.unwrap() {
            assert!(
                permanent(&account.data),
                "{address} (owned by {program}) was left behind: {:?}",
                &account.data[..8.min(account.data.len())]
            );
        }
    }
    // No staging account survives its owner's plans.
    for owner in &world.owners {
        for mint in [world.w.sol, world.w.usdc] {
            let staging: Pubkey = pda::staging(&owner.owner.keypair.pubkey(), &mint).0;
            assert!(chain.account(&staging).await.unwrap().is_none());
        }
    }
}
