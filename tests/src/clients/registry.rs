//! `agent_registry` client.
use agent_registry::{instructions::*, state::Stage};
use agentrunner_client::{ix::registry as ix, pda};
use agentrunner_embedded::{ChainError, EmbeddedChain, TxOutcome};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

pub struct RegistryClient<'a> {
    pub chain: &'a EmbeddedChain,
}

type Sent = Result<TxOutcome, ChainError>;

impl RegistryClient<'_> {
    pub async fn init_config(&self, admin: &Keypair, outcome_recorder: Pubkey) -> Sent {
        self.chain
            .send(
                &[ix::init_config(&admin.pubkey(), outcome_recorder)],
                &[admin],
            )
            .await
    }

    pub async fn set_certifiers(&self, admin: &Keypair, certifiers: Vec<Pubkey>) -> Sent {
        self.chain
            .send(&[ix::set_certifiers(&admin.pubkey(), certifiers)], &[admin])
            .await
    }

    pub async fn set_outcome_recorder(&self, admin: &Keypair, recorder: Pubkey) -> Sent {
        self.chain
            .send(
                &[ix::set_outcome_recorder(&admin.pubkey(), recorder)],
                &[admin],
            )
            .await
    }

    pub async fn set_admin(&self, admin: &Keypair, new_admin: &Keypair) -> Sent {
        self.chain
            .send(
                &[ix::set_admin(&admin.pubkey(), &new_admin.pubkey())],
                &[admin, new_admin],
            )
            .await
    }

    pub async fn register_agent(&self, owner: &Keypair, args: RegisterAgentArgs) -> Sent {
        self.chain
            .send(&[ix::register_agent(&owner.pubkey(), args)], &[owner])
            .await
    }

    pub async fn update_agent(
        &self,
        agent: &Pubkey,
        owner: &Keypair,
        args: UpdateAgentArgs,
    ) -> Sent {
        self.chain
            .send(&[ix::update_agent(agent, &owner.pubkey(), args)], &[owner])
            .await
    }

    pub async fn set_status(
        &self,
        agent: &Pubkey,
        authority: &Keypair,
        target: TargetStatus,
    ) -> Sent {
        self.chain
            .send(
                &[ix::set_status(agent, &authority.pubkey(), target)],
                &[authority],
            )
            .await
    }

    pub async fn publish_version(
        &self,
        agent: &Pubkey,
        owner: &Keypair,
        index: u32,
        args: PublishVersionArgs,
    ) -> Sent {
        self.chain
            .send(
                &[ix::publish_version(agent, &owner.pubkey(), index, args)],
                &[owner],
            )
            .await
    }

    pub async fn attest(
        &self,
        agent: &Pubkey,
        version: &Pubkey,
        certifier: &Keypair,
        attempt: u8,
        args: AttestArgs,
    ) -> Sent {
        self.chain
            .send(
                &[ix::attest(
                    agent,
                    version,
                    &certifier.pubkey(),
                    attempt,
                    args,
                )],
                &[certifier],
            )
            .await
    }

    pub async fn revoke_attestation(
        &self,
        agent: &Pubkey,
        version: &Pubkey,
        stage: Stage,
        attempt: u8,
        authority: &Keypair,
    ) -> Sent {
        let attestation = pda::attestation(version, stage, attempt).0;
        self.chain
            .send(
                &[ix::revoke_attestation(
                    agent,
                    version,
                    &attestation,
                    &authority.pubkey(),
                )],
                &[authority],
            )
            .await
    }

    /// `record_outcome` signed by `recorder`, which also pays any new payer record.
    pub async fn record_outcome(
        &self,
        agent: &Pubkey,
        recorder: &Keypair,
        args: RecordOutcomeArgs,
    ) -> Sent {
        self.chain
            .send(
                &[ix::record_outcome(
                    agent,
                    &recorder.pubkey(),
                    &recorder.pubkey(),
                    args,
                )],
                &[recorder],
            )
            .await
    }
}
