//! The invariants the model run checks after every operation (see the module docs of
//! `model`), on chain state.
use agent_registry::state::Agent;
use agentrunner_client::{chain::Chain, pda, receipts::shards};
use anchor_lang::prelude::Pubkey;
use escrow::state::{Budget, Grant};
use solana_signer::Signer;

use super::World;

/// Byte ranges of an SPL token account: mint, owner, amount, delegate option, delegated amount.
const MINT: std::ops::Range<usize> = 0..32;
const OWNER: std::ops::Range<usize> = 32..64;
const AMOUNT: std::ops::Range<usize> = 64..72;
const DELEGATE_TAG: std::ops::Range<usize> = 72..76;
const DELEGATE: std::ops::Range<usize> = 76..108;
const DELEGATED: std::ops::Range<usize> = 121..129;
/// The supply of an SPL mint.
const SUPPLY: std::ops::Range<usize> = 36..44;

fn u64_at(data: &[u8], range: std::ops::Range<usize>) -> u64 {
    u64::from_le_bytes(data[range].try_into().expect("8 bytes"))
}

/// The token accounts holding atoms when the run starts: owners' four accounts and stashes,
/// vendors' payout accounts, the world vendor's, the pools' vaults.
pub(crate) fn initial_accounts(world: &World) -> Vec<Pubkey> {
    let w = &world.w;
    let mut accounts = vec![w.vendor_usdc];
    for owner in &world.owners {
        let o = &owner.owner;
        accounts.extend([o.sol, o.usdc, o.jup, o.wif, owner.stash]);
    }
    accounts.extend(world.vendors.iter().map(|v| v.payout));
    for mint in [w.sol, w.jup, w.wif] {
        let pool = agentrunner_client::ix::sim_venue::PoolRef::new(&mint, &w.usdc);
        accounts.extend([pool.vault_a, pool.vault_b]);
    }
    accounts.sort();
    accounts.dedup();
    accounts
}

/// Starts counting `accounts` toward conservation.
pub(crate) fn track(world: &mut World, accounts: &[Pubkey]) {
    for account in accounts {
        if !world.tracked.contains(account) {
            world.tracked.push(*account);
        }
    }
}

/// Stops counting `accounts` (closed).
pub(crate) fn untrack(world: &mut World, accounts: &[Pubkey]) {
    world.tracked.retain(|a| !accounts.contains(a));
}

/// Leaves in the tree account `tree`.
pub(crate) async fn leaf_count(world: &World, tree: &Pubkey) -> u64 {
    let account = world.w.ctx.chain.account(tree).await.unwrap().unwrap();
    receipts::merkle::read_tree(&account.data)
        .unwrap()
        .leaf_count
}

/// Every invariant, on chain state.
pub(crate) async fn check(world: &World) {
    conservation(world).await;
    delegations(world).await;
    budgets(world).await;
    receipts_match_payments(world).await;
    reputation(world).await;
}

/// Per mint: the tracked accounts hold the whole supply; staging accounts are empty and their
/// own authority.
async fn conservation(world: &World) {
    let w = &world.w;
    let mints = [w.sol, w.usdc, w.jup, w.wif];
    let chain = &w.ctx.chain;
    let supplies = chain.accounts(&mints).await.unwrap();
    let accounts = chain.accounts(&world.tracked).await.unwrap();
    for (mint, supply) in mints.iter().zip(supplies) {
        let supply = u64_at(&supply.unwrap().data, SUPPLY);
        let held: u64 = accounts
            .iter()
            .flatten()
            .filter(|a| a.data.len() >= 165 && a.data[MINT] == *mint.as_ref())
            .map(|a| u64_at(&a.data, AMOUNT))
            .sum();
        assert_eq!(
            held, supply,
            "mint {mint}: tracked accounts hold the supply"
        );
    }
    for (address, account) in world.tracked.iter().zip(&accounts) {
        let Some(account) = account else { continue };
        if account.data.len() >= 165 && account.data[OWNER] == *address.as_ref() {
            assert_eq!(
                u64_at(&account.data, AMOUNT),
                0,
                "staging {address} is empty"
            );
        }
    }
}

/// Each owner's account of SOL and USDC delegates to the owner's delegate exactly what its
/// approved, uncancelled plans may still sell.
async fn delegations(world: &World) {
    let w = &world.w;
    for (o, owner) in world.owners.iter().enumerate() {
        let delegate = pda::owner_delegate(&owner.owner.keypair.pubkey()).0;
        for (account, mint) in [(owner.owner.sol, w.sol), (owner.owner.usdc, w.usdc)] {
            let expected: u64 = world
                .plans
                .iter()
                .filter(|p| p.owner == o)
                .map(|p| p.reserved(&mint))
                .sum();
            let data = w.ctx.chain.account(&account).await.unwrap().unwrap().data;
            let delegated = if u32::from_le_bytes(data[DELEGATE_TAG].try_into().unwrap()) == 1 {
                assert_eq!(&data[DELEGATE], delegate.as_ref(), "delegate of {account}");
                u64_at(&data, DELEGATED)
            } else {
                0
            };
            assert_eq!(delegated, expected, "owner {o}'s delegation of {mint}");
        }
    }
}

/// Each approved plan's grants paid executions times price, never above their limit; each
/// vault holds its budget's balance plus donations; reserved is what the grants may still pay.
async fn budgets(world: &World) {
    let chain = &world.w.ctx.chain;
    for plan in &world.plans {
        let Some(setup) = plan.setup() else { continue };
        let b = setup.steps[0].budget;
        let budget: Budget = world.w.ctx.get(&b.budget).await;
        let mut reserved = 0;
        for (step, model) in setup.steps.iter().zip(&plan.steps) {
            let grant: Grant = world.w.ctx.get(&step.grant).await;
            let paid = model.price * u64::from(model.executions);
            assert_eq!(
                (grant.redeemed, grant.redemptions, grant.max_amount),
                (
                    paid,
                    u32::from(model.executions),
                    model.price * u64::from(model.step.repeat)
                ),
                "grant of step {} of {}",
                step.step,
                plan.key
            );
            assert!(grant.redeemed <= grant.max_amount);
            reserved += grant.max_amount - grant.redeemed;
        }
        assert_eq!(budget.reserved, reserved, "reserved of {}", plan.key);
        assert_eq!(
            chain.token_balance(&b.vault).await.unwrap(),
            budget.balance().unwrap() + plan.donated,
            "vault of {}",
            plan.key
        );
    }
}

/// One leaf per paid execution across every shard and generation.
async fn receipts_match_payments(world: &World) {
    let mut leaves = 0;
    for shard in 0..world.w.shard_count() {
        for tree in shards::generations(&*world.w.ctx.chain, shard)
            .await
            .unwrap()
        {
            leaves += leaf_count(world, &tree.tree).await;
        }
    }
    assert_eq!(
        leaves, world.report.executions,
        "one receipt per paid execution"
    );
}

/// Each agent's reputation is the registry's rule applied to what the model saw.
async fn reputation(world: &World) {
    for vendor in &world.vendors {
        let agent: Agent = world.w.ctx.get(&vendor.root.agent).await;
        assert_eq!(
            agent.reputation, world.reputation[&vendor.root.agent],
            "reputation of {}",
            vendor.root.name
        );
    }
}
