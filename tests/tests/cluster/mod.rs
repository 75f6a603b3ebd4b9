//! The embedded chain served as a local cluster (`agentrunner serve`): liveness under load,
//! JSON-RPC errors and PubSub, as real clients meet it. [`cluster`] is every test's bootstrap.
pub(crate) mod conformance;
mod liveness;
mod logs;
mod pubsub;
mod rpc;
mod traces;

use std::sync::Arc;

use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    rpc_server::{serve, RpcServer},
    EmbeddedChain,
};
use anchor_lang::prelude::Pubkey;
use serde_json::Value;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

/// A served localnet and a funded key.
pub struct Cluster {
    pub chain: Arc<EmbeddedChain>,
    pub localnet: Arc<Localnet>,
    pub server: RpcServer,
    pub payer: Keypair,
}

pub async fn cluster() -> Cluster {
    let chain = Arc::new(EmbeddedChain::start().await.unwrap());
    let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[])
        .await
        .unwrap();
    let server = serve(chain.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let payer = chain.funded_keypair(10_000_000_000).await.unwrap();
    Cluster {
        chain,
        localnet: Arc::new(localnet),
        server,
        payer,
    }
}

impl Cluster {
    pub fn client(&self) -> RpcClient {
        RpcClient::new(self.server.url())
    }

    /// `payer` moving `lamports` to `to`, signed on the latest blockhash.
    pub async fn transfer(&self, to: &Pubkey, lamports: u64) -> VersionedTransaction {
        let ix = solana_system_interface::instruction::transfer(&self.payer.pubkey(), to, lamports);
        self.signed(&[ix]).await
    }

    pub async fn signed(
        &self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
    ) -> VersionedTransaction {
        let blockhash = self.client().get_latest_blockhash().await.unwrap();
        agentrunner_client::send::sign_transaction(&self.payer, ixs, &[], &[], blockhash).unwrap()
    }

    /// A raw JSON-RPC exchange over HTTP: the status and the body.
    pub async fn raw(&self, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(self.server.url())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}
