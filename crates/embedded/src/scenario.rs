//! Compound setup verbs over a [`Localnet`], each returning what it made: a vendor registered
//! from its manifest and certified through a stage ([`Localnet::onboard_vendor`]), a wallet
//! holding tokens ([`Localnet::funded_wallet`]). The bench, the keeper and certifier suites and
//! the tests' worlds start from these instead of re-assembling them.
use agent_registry::{
    constants::guard,
    instructions::AttestArgs,
    state::{SloFigures, Stage},
};
use agentrunner_client::{flows::Manifest, ix, pda};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{localnet::Localnet, ChainError, EmbeddedChain};

/// Lamports each vendor made here starts with: 10 SOL for fees and rent.
pub const VENDOR_LAMPORTS: u64 = 10_000_000_000;
/// How long a scenario's attestations stand: 30 days of chain time.
pub const ATTESTATION_SECS: i64 = 30 * 86_400;

/// A registered vendor: its wallet (the agent's owner, signs its offers and executions), its
/// agent and its payout account of the deployment's fee token.
pub struct Vendor {
    pub keypair: Keypair,
    pub agent: Pubkey,
    pub payout: Pubkey,
}

impl Localnet {
    /// A fresh vendor ([`VENDOR_LAMPORTS`]) registers `manifest` as its agent (payout to
    /// itself, metadata at `https://agents.example/<name>/manifest.json`) and `certifier`
    /// attests stages A through `through` for version 0, passed, every guard family verified,
    /// standing for [`ATTESTATION_SECS`]; the vendor's fee-token account is opened for its pay.
    /// `through: None` leaves the agent uncertified.
    pub async fn onboard_vendor(
        &self,
        chain: &EmbeddedChain,
        certifier: &Keypair,
        manifest: &Manifest,
        through: Option<Stage>,
    ) -> Result<Vendor, ChainError> {
        let keypair = chain.funded_keypair(VENDOR_LAMPORTS).await?;
        let owner = keypair.pubkey();
        let uri = format!("https://agents.example/{}/manifest.json", manifest.name);
        let (agent, register) = manifest
            .register(&owner, &owner, &uri)
            .map_err(|e| ChainError::Signing(e.to_string()))?;
        chain.send(&register, &[&keypair]).await?;
        let expires_at = chain.clock().await?.unix_timestamp + ATTESTATION_SECS;
        let version = pda::agent_version(&agent, 0).0;
        let stages = [Stage::A, Stage::B, Stage::C, Stage::D, Stage::E];
        for stage in stages
            .into_iter()
            .filter(|s| through.is_some_and(|t| *s <= t))
        {
            let args = AttestArgs {
                stage,
                passed: true,
                slo: SloFigures::default(),
                report_hash: [stage as u8 + 1; 32],
                report_uri: String::new(),
                expires_at,
                guards: guard::ALL,
            };
            let attest = ix::registry::attest(&agent, &version, &certifier.pubkey(), 0, args);
            chain.send(&[attest], &[certifier]).await?;
        }
        let fee_token = self.deployment.fee_token.clone();
        let payout = self.fund_tokens(chain, &owner, &fee_token, 0).await?;
        Ok(Vendor {
            keypair,
            agent,
            payout,
        })
    }

    /// A fresh wallet with `lamports` holding `atoms` of each symbol in `holdings` (its
    /// associated accounts): a plan owner, a certifier paying for canaries.
    pub async fn funded_wallet(
        &self,
        chain: &EmbeddedChain,
        lamports: u64,
        holdings: &[(&str, u64)],
    ) -> Result<Keypair, ChainError> {
        let owner = chain.funded_keypair(lamports).await?;
        for (symbol, atoms) in holdings {
            self.fund_tokens(chain, &owner.pubkey(), symbol, *atoms)
                .await?;
        }
        Ok(owner)
    }
}
