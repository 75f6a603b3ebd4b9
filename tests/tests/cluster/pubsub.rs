//! PubSub as agave's own client (`solana-pubsub-client`) and a raw websocket meet it: every
//! subscription notifies, unsubscribes end it, and limits and abrupt disconnects are handled
//! without harm.
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::{RpcTransactionLogsConfig, RpcTransactionLogsFilter};
use solana_rpc_client_types::config::RpcAccountInfoConfig;
use solana_signer::Signer;
use tokio_tungstenite::tungstenite::Message;

use super::cluster;
use agentrunner_embedded::rpc_server::pubsub::MAX_SUBSCRIPTIONS;

/// Longest a notification may take before the test gives up.
const NOTIFIED_WITHIN: Duration = Duration::from_secs(20);

async fn next<T>(stream: &mut (impl futures_util::Stream<Item = T> + Unpin)) -> T {
    tokio::time::timeout(NOTIFIED_WITHIN, stream.next())
        .await
        .expect("no notification")
        .expect("stream ended")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_every_subscription_notifies_and_unsubscribing_ends_it() {
    let c = cluster().await;
    let pubsub = PubsubClient::new(&c.server.pubsub_url()).await.unwrap();
    let receiver = Pubkey::new_unique();
    let tx = c.transfer(&receiver, 2_000_000).await;

    let (mut signature, _) = pubsub
        .signature_subscribe(&tx.signatures[0], None)
        .await
        .unwrap();
    let (mut account, account_unsubscribe) = pubsub
        .account_subscribe(
            &c.payer.pubkey(),
            Some(RpcAccountInfoConfig {
                encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                ..RpcAccountInfoConfig::default()
            }),
        )
        .await
        .unwrap();
    let (mut logs, _) = pubsub
        .logs_subscribe(
            RpcTransactionLogsFilter::Mentions(vec![receiver.to_string()]),
            RpcTransactionLogsConfig { commitment: None },
        )
        .await
        .unwrap();
    let (mut programs, _) = pubsub
        .program_subscribe(&solana_system_interface::program::ID, None)
        .await
        .unwrap();
    let (mut slots, _) = pubsub.slot_subscribe().await.unwrap();
    let (mut roots, _) = pubsub.root_subscribe().await.unwrap();

    let before = c.chain.balance(&c.payer.pubkey()).await.unwrap();
    c.client().send_transaction(&tx).await.unwrap();

    let landed = next(&mut signature).await;
    assert_eq!(
        landed.value,
        solana_rpc_client_types::response::RpcSignatureResult::ProcessedSignature(
            solana_rpc_client_types::response::ProcessedSignatureResult { err: None }
        )
    );
    let changed = next(&mut account).await;
    assert_eq!(changed.value.lamports, before - 2_000_000 - 5_000);
    let logged = next(&mut logs).await;
    assert_eq!(logged.value.signature, tx.signatures[0].to_string());
    assert!(logged.value.logs.iter().any(|l| l.contains("invoke [1]")));
    let owned = next(&mut programs).await;
    assert!([c.payer.pubkey().to_string(), receiver.to_string()].contains(&owned.value.pubkey));

    c.localnet.advance(&c.chain, 1).await.unwrap();
    let slot = next(&mut slots).await;
    assert!(slot.slot > 0 && slot.root == slot.slot);
    assert!(next(&mut roots).await >= slot.slot);

    // After unsubscribing, a further change is not notified.
    account_unsubscribe().await;
    c.client()
        .send_transaction(&c.transfer(&receiver, 1).await)
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), account.next())
            .await
            .map_or(true, |n| n.is_none()),
        "notified after unsubscribing"
    );
    // A signature already processed is notified at once.
    let (mut late, _) = pubsub
        .signature_subscribe(&tx.signatures[0], None)
        .await
        .unwrap();
    next(&mut late).await;
}

async fn request(
    socket: &mut (impl futures_util::Sink<Message, Error = impl std::fmt::Debug>
              + futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
              + Unpin),
    body: Value,
) -> Value {
    socket.send(Message::text(body.to_string())).await.unwrap();
    loop {
        let message = tokio::time::timeout(NOTIFIED_WITHIN, socket.next())
            .await
            .expect("no answer")
            .expect("closed")
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            if value.get("id").is_some() {
                return value;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_subscription_limits_bad_requests_and_abrupt_disconnects_do_no_harm() {
    let c = cluster().await;
    let (mut socket, _) = tokio_tungstenite::connect_async(c.server.pubsub_url())
        .await
        .unwrap();
    let mut refused = 0;
    for id in 0..1_000u64 {
        let answer = request(
            &mut socket,
            json!({"jsonrpc": "2.0", "id": id, "method": "slotSubscribe"}),
        )
        .await;
        if answer.get("error").is_some() {
            assert_eq!(answer["error"]["code"], json!(-32600));
            refused += 1;
        }
    }
    assert_eq!(refused, 1_000 - MAX_SUBSCRIPTIONS);
    let answer = request(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": "x", "method": "nope"}),
    )
    .await;
    assert_eq!(answer["error"]["code"], json!(-32601));
    let answer = request(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": "y", "method": "slotUnsubscribe", "params": [999_999]}),
    )
    .await;
    assert_eq!(answer["error"]["code"], json!(-32602));
    let answer = request(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": "z", "method": "slotUnsubscribe", "params": [1]}),
    )
    .await;
    assert_eq!(answer["result"], json!(true));
    // Gone without a close frame, holding 255 subscriptions.
    drop(socket);
    c.localnet.advance(&c.chain, 1).await.unwrap();

    let (mut fresh, _) = tokio_tungstenite::connect_async(c.server.pubsub_url())
        .await
        .unwrap();
    let answer = request(
        &mut fresh,
        json!({"jsonrpc": "2.0", "id": 1, "method": "rootSubscribe"}),
    )
    .await;
    assert_eq!(answer["result"], json!(1));
    assert_eq!(c.client().get_health().await.unwrap(), ());
}

/// A free HTTP port's successor is often taken by an outgoing connection (Linux hands odd
/// ports to `bind(0)` and even ones to `connect`): with hundreds of connections open, every
/// cluster served on port 0 still starts, with PubSub on the next port as clients expect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_served_clusters_on_free_ports_start_with_pubsub_next_even_when_ports_are_taken() {
    let chain = std::sync::Arc::new(agentrunner_embedded::EmbeddedChain::start().await.unwrap());
    let sink = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let to = sink.local_addr().unwrap();
    let accepted = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = sink.accept().await {
            held.push(stream);
        }
    });
    let mut outgoing = Vec::new();
    for _ in 0..400 {
        outgoing.push(tokio::net::TcpStream::connect(to).await.unwrap());
    }
    let mut servers = Vec::new();
    for _ in 0..40 {
        let server =
            agentrunner_embedded::rpc_server::serve(chain.clone(), "127.0.0.1:0".parse().unwrap())
                .await
                .expect("a free pair of ports");
        assert_eq!(server.pubsub_addr.port(), server.addr.port() + 1);
        servers.push(server);
    }
    for server in servers {
        server.stop();
    }
    accepted.abort();
}
