//! The anchorer: freezes each shard's period root when its period ends, sweeps expired budgets
//! back to their payers, and closes offers that can no longer matter (rent back to vendors).
//! Every action is permissionless on-chain; the anchorer only pays the fees.
use agentrunner_client::{
    chain::Chain,
    deployment::Deployment,
    ix::{self, escrow::BudgetRef},
    pda,
    receipts::shards,
    send::{Journal, SendError, Sender},
};
use anchor_lang::{prelude::Pubkey, Discriminator};
use escrow::state::Budget;
use market::state::{Offer, Rfp};
use receipts::{
    error::ReceiptsError,
    state::{ReceiptTree, ReceiptsConfig},
};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::outcome::{classify_item, Outcome};

pub struct Anchorer<'a, C: Chain> {
    pub chain: &'a C,
    pub sender: Sender<'a, C, Box<dyn Journal>>,
    /// Pays fees and the rent of PeriodRoot accounts.
    pub payer: Keypair,
    pub deployment: &'a Deployment,
}

impl<C: Chain> Anchorer<'_, C> {
    /// Anchors every tree generation of every shard whose open period has ended (a full tree
    /// whose every leaf is anchored is done for good and skipped).
    pub async fn anchor_due(&self) -> Result<Vec<(u16, Outcome)>, SendError> {
        let config: ReceiptsConfig = self.chain.fetch(&pda::receipts_config().0).await?;
        let now = self.chain.clock().await?.unix_timestamp;
        let mut outcomes = Vec::new();
        for shard in 0..self.deployment.receipt_trees.len() as u16 {
            for tree in shards::generations(self.chain, shard).await? {
                let state: ReceiptTree = self.chain.fetch(&tree.receipt_tree()).await?;
                if state.period_first_leaf >= state.capacity() {
                    continue;
                }
                let ends = state.period_start.saturating_add(config.period_secs);
                if now < ends {
                    outcomes.push((
                        shard,
                        Outcome::Skipped(format!("period open for {}s more", ends - now)),
                    ));
                    continue;
                }
                let ix =
                    ix::receipts::anchor_period(&tree, state.period_index, &self.payer.pubkey());
                let intent = format!("anchor:{}:{}", tree.tree, state.period_index);
                let result = self
                    .sender
                    .send(&intent, &self.payer, &[ix], &[], &[])
                    .await;
                outcomes.push((
                    shard,
                    classify_item(result, &[u32::from(ReceiptsError::PeriodNotOver)], "anchor"),
                ));
            }
        }
        Ok(outcomes)
    }

    /// Opens the next tree generation of every shard whose newest tree is at least half full,
    /// so appends never meet a full tree (the anchorer pays the new tree's rent).
    pub async fn provision_due(&self) -> Result<Vec<(u16, Outcome)>, SendError> {
        let mut outcomes = Vec::new();
        for shard in 0..self.deployment.receipt_trees.len() as u16 {
            let (newest, state) = shards::newest(self.chain, shard).await?;
            let leaves = self
                .chain
                .account(&newest.tree)
                .await?
                .and_then(|a| receipts::merkle::read_tree(&a.data).ok())
                .map(|t| t.leaf_count)
                .unwrap_or(0);
            if leaves.saturating_mul(2) < state.capacity() {
                outcomes.push((
                    shard,
                    Outcome::Skipped(format!("{leaves} of {} leaves used", state.capacity())),
                ));
                continue;
            }
            let tree = Keypair::new();
            let size =
                receipts::merkle::tree_account_len(state.max_depth, state.max_buffer_size, 0)
                    .unwrap_or_default();
            let rent = self.chain.minimum_balance(size).await?;
            let ixs = ix::receipts::provision_tree(
                &newest,
                (state.max_depth, state.max_buffer_size),
                &tree.pubkey(),
                &self.payer.pubkey(),
                rent,
            );
            let intent = format!("provision:{shard}:{}", newest.generation + 1);
            let result = self
                .sender
                .send(&intent, &self.payer, &ixs, &[&tree], &[])
                .await;
            outcomes.push((
                shard,
                classify_item(
                    result,
                    &[u32::from(ReceiptsError::TreeNotHalfFull)],
                    "provision",
                ),
            ));
        }
        Ok(outcomes)
    }

    /// Sweeps every expired, unsettled budget back to its payer's associated account.
    pub async fn refund_expired(&self) -> Result<Vec<(Pubkey, Outcome)>, SendError> {
        let now = self.chain.clock().await?.unix_timestamp;
        let mut outcomes = Vec::new();
        for (key, account) in self
            .chain
            .program_accounts(&escrow::ID, Budget::DISCRIMINATOR)
            .await?
        {
            let budget: Budget = agentrunner_client::accounts::decode(&key, &account.data)?;
            if budget.is_settled() || !budget.is_expired(now) {
                continue;
            }
            let funds = BudgetRef {
                budget: key,
                vault: budget.vault,
                mint: budget.mint,
                token_program: budget.token_program,
            };
            let destination = pda::ata(&budget.payer, &budget.mint, &budget.token_program);
            if self.chain.account(&destination).await?.is_none() {
                // The payer closed its account: the sweep waits for it (or for the payer's own
                // refund to any of its accounts) rather than paying rent to recreate it.
                outcomes.push((
                    key,
                    Outcome::Skipped(format!("the payer's token account {destination} is closed")),
                ));
                continue;
            }
            let ix = ix::escrow::refund(&funds, &destination, &self.payer.pubkey(), 0);
            let result = self
                .sender
                .send(&format!("sweep:{key}"), &self.payer, &[ix], &[], &[])
                .await;
            outcomes.push((
                key,
                // Settled or closed by someone else since it was listed.
                classify_item(
                    result,
                    &[
                        u32::from(escrow::error::EscrowError::BudgetSettled),
                        u32::from(anchor_lang::error::ErrorCode::AccountNotInitialized),
                    ],
                    "sweep",
                ),
            ));
        }
        Ok(outcomes)
    }

    /// Closes every offer whose RFP is decided or lapsed, or that expired.
    pub async fn close_stale_offers(&self) -> Result<Vec<(Pubkey, Outcome)>, SendError> {
        let now = self.chain.clock().await?.unix_timestamp;
        let mut outcomes = Vec::new();
        for (key, account) in self
            .chain
            .program_accounts(&market::ID, Offer::DISCRIMINATOR)
            .await?
        {
            let offer: Offer = agentrunner_client::accounts::decode(&key, &account.data)?;
            let Ok(rfp) = self.chain.fetch::<Rfp>(&offer.rfp).await else {
                continue;
            };
            if rfp.is_open() && !rfp.is_finished(now) && !offer.is_expired(now) {
                continue;
            }
            let ix = ix::market::close_offer(&offer.rfp, &key, &offer.vendor);
            let result = self
                .sender
                .send(&format!("close-offer:{key}"), &self.payer, &[ix], &[], &[])
                .await;
            outcomes.push((
                key,
                // Closed by someone else since it was listed.
                classify_item(
                    result,
                    &[u32::from(
                        anchor_lang::error::ErrorCode::AccountNotInitialized,
                    )],
                    "close offer",
                ),
            ));
        }
        Ok(outcomes)
    }
}
