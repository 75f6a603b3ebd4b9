//! 402 -> pay -> 200; replays, foreign grants, caps, races, vouchers in bulk, malformed headers.
use agentrunner_keepers::broker::http::Ohlcv;
use agentrunner_x402::wire::{network_id, PaymentPayload, SchemePayload};
use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::StatusCode;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_grant_payment_402_then_200_with_a_settled_payment_response() {
    let v = vendor().await;
    let f = v.fund(1_000_000, 100 * PRICE, v.vendor_usdc).await;

    // Unpaid: 402 with the requirements in the header.
    let unpaid = reqwest::get(v.url()).await.unwrap();
    assert_eq!(unpaid.status(), StatusCode::PAYMENT_REQUIRED);
    let header = unpaid.headers()[PAYMENT_REQUIRED]
        .to_str()
        .unwrap()
        .to_string();
    let required: PaymentRequired = decode(&header).unwrap();
    assert_eq!(required.x402_version, 2);
    let schemes: Vec<&str> = required.accepts.iter().map(|a| a.scheme.as_str()).collect();
    assert_eq!(
        schemes,
        ["exact", "agentrunner-grant", "agentrunner-voucher"]
    );
    assert!(required
        .accepts
        .iter()
        .all(|a| a.amount == PRICE.to_string()
            && a.network == network_id(&v.chain.genesis_hash().to_string())));
    // `exact` pays the vendor's wallet (its associated token account), the escrow schemes name
    // the token account itself; the resource is named by its absolute URL.
    assert_eq!(required.accepts[0].pay_to, v.vendor.pubkey().to_string());
    assert_eq!(
        required.accepts[0].extra["feePayer"],
        v.vendor.pubkey().to_string()
    );
    assert_eq!(required.accepts[1].pay_to, v.vendor_usdc.to_string());
    assert_eq!(required.resource.url, v.url());

    // Paid: 200, the series, and a settlement that landed.
    let client = v.grant_client(f.grant, 10 * PRICE);
    let paid = client.get(&v.url()).await.unwrap();
    assert_eq!(paid.status, StatusCode::OK);
    let series: Ohlcv = serde_json::from_slice(&paid.body).unwrap();
    assert_eq!(
        (series.symbol.as_str(), series.candles[0].close),
        ("SOL", 150_00000000)
    );
    let settlement = paid.settlement.unwrap();
    assert!(settlement.success);
    assert_eq!(settlement.payer, f.payer.pubkey().to_string());
    let signature = settlement.transaction.parse().unwrap();
    assert_eq!(v.chain.status(&signature), Some(Ok(())));
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
    assert_eq!(v.grant_state(&f.grant).await.redeemed, PRICE);
    assert_eq!(client.spent(), PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_replays_foreign_grants_and_prices_above_the_cap_are_refused() {
    let v = vendor().await;
    let f = v.fund(1_000_000, 100 * PRICE, v.vendor_usdc).await;
    let client = v.grant_client(f.grant, 10 * PRICE);
    let required = v.required().await;
    let (payment, _) = client.pay(&required).await.unwrap();
    let header = encode(&payment);
    assert_eq!(v.send_payment(&header).await.status(), StatusCode::OK);
    // The same payment again: refused, nothing paid.
    let replay = v.send_payment(&header).await;
    assert_eq!(replay.status(), StatusCode::PAYMENT_REQUIRED);
    let body: PaymentRequired = replay.json().await.unwrap();
    assert_eq!(body.error.as_deref(), Some("duplicate_settlement"));
    assert_eq!(v.grant_state(&f.grant).await.redeemed, PRICE);

    // A grant that pays another vendor's account.
    let other = v
        .localnet
        .fund_tokens(&v.chain, &Keypair::new().pubkey(), "USDC", 0)
        .await
        .unwrap();
    let foreign = v.fund(1_000_000, 100 * PRICE, other).await;
    let paid = v
        .grant_client(foreign.grant, 10 * PRICE)
        .get(&v.url())
        .await
        .unwrap();
    assert_eq!(paid.status, StatusCode::PAYMENT_REQUIRED);
    let body: PaymentRequired = serde_json::from_slice(&paid.body).unwrap();
    assert_eq!(
        body.error.as_deref(),
        Some("invalid_agentrunner_grant_recipient_mismatch")
    );
    assert_eq!(v.grant_state(&foreign.grant).await.redeemed, 0);

    // A price above the client's cap is refused before anything is signed or sent.
    let capped = v.grant_client(f.grant, PRICE - 1);
    match capped.get(&v.url()).await {
        Err(PayError::AboveRequestCap { price, cap }) => {
            assert_eq!((price, cap), (PRICE, PRICE - 1))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(capped.spent(), 0);
    assert_eq!(v.grant_state(&f.grant).await.redeemed, PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_one_payment_sent_a_hundred_times_concurrently_is_served_once() {
    let v = vendor().await;
    let f = v.fund(1_000_000, 100 * PRICE, v.vendor_usdc).await;
    let client = v.grant_client(f.grant, 10 * PRICE);
    let required = v.required().await;
    let header = encode(&client.pay(&required).await.unwrap().0);
    let requests = (0..100).map(|_| {
        let (http, url, header) = (client.http.clone(), v.url(), header.clone());
        tokio::spawn(async move {
            http.get(url)
                .header(PAYMENT_SIGNATURE, header)
                .send()
                .await
                .unwrap()
                .status()
        })
    });
    let mut served = 0;
    for request in requests {
        if request.await.unwrap() == StatusCode::OK {
            served += 1;
        }
    }
    assert_eq!(served, 1);
    assert_eq!(v.grant_state(&f.grant).await.redeemed, PRICE);
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_a_thousand_voucher_requests_settle_in_one_transaction() {
    let v = vendor().await;
    let requests = 1_000u64;
    let deposit = 2 * requests * PRICE;
    let f = v.fund(deposit, deposit, v.vendor_usdc).await;
    let session = Keypair::new();
    v.chain
        .send(
            &[ix::escrow::set_session_key(
                &f.budget.budget,
                &f.payer.pubkey(),
                Some(session.pubkey()),
            )],
            &[&f.payer],
        )
        .await
        .unwrap();
    let grant = v.grant_state(&f.grant).await;
    let client = PayingClient::new(
        v.network.clone(),
        v.usdc,
        Funding::Voucher {
            session: Box::new(session),
            budget: f.budget.budget,
            grant: f.grant,
            grant_issued_slot: grant.issued_slot,
            vendor: v.vendor_usdc,
            expires_at: grant.expires_at,
        },
        PRICE,
        deposit,
    );
    for _ in 0..requests {
        let paid = client.get(&v.url()).await.unwrap();
        assert_eq!(paid.status, StatusCode::OK);
        assert!(paid.settlement.unwrap().success);
    }
    // Nothing moved yet; one settlement moves exactly the sum.
    assert_eq!(v.balance(&v.vendor_usdc).await, 0);
    let settled = v.paywall.settle_vouchers().await.unwrap();
    assert_eq!(settled.len(), 1);
    assert_eq!(v.balance(&v.vendor_usdc).await, requests * PRICE);
    assert!(
        v.paywall.settle_vouchers().await.unwrap().is_empty(),
        "nothing left to settle"
    );
    // The payer takes the rest back.
    let before = v.balance(&f.payer_usdc).await;
    let refund = ix::escrow::refund(
        &f.budget,
        &f.payer_usdc,
        &f.payer.pubkey(),
        deposit - requests * PRICE,
    );
    let revoke = ix::escrow::revoke_grant(&f.budget.budget, &f.grant, &f.payer.pubkey());
    v.chain.send(&[revoke, refund], &[&f.payer]).await.unwrap();
    assert_eq!(
        v.balance(&f.payer_usdc).await - before,
        f.deposit - requests * PRICE
    );
    let _ = (&v.rpc_url, &v.vendor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_malformed_headers_get_a_clear_4xx_and_change_nothing() {
    let v = vendor().await;
    let f = v.fund(1_000_000, 100 * PRICE, v.vendor_usdc).await;
    let client = v.grant_client(f.grant, 10 * PRICE);
    let required = v.required().await;
    let (good, _) = client.pay(&required).await.unwrap();
    let wrong_network = PaymentPayload {
        accepted: agentrunner_x402::wire::PaymentRequirements {
            network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1".into(),
            ..good.accepted.clone()
        },
        ..good.clone()
    };
    let mut v1 = serde_json::to_value(&good).unwrap();
    v1["x402Version"] = 1.into();
    let bad = StatusCode::BAD_REQUEST;
    let cases = [
        ("bad base64", "%%%".to_string(), bad, "invalid_payload"),
        (
            "bad JSON",
            STANDARD.encode("{not json"),
            bad,
            "invalid_payload",
        ),
        (
            "wrong version",
            STANDARD.encode(v1.to_string()),
            bad,
            "invalid_x402_version",
        ),
        (
            "wrong network",
            encode(&wrong_network),
            StatusCode::PAYMENT_REQUIRED,
            "invalid_network",
        ),
        (
            "scheme mismatch",
            encode(&PaymentPayload {
                payload: SchemePayload::Grant {
                    grant: "not-a-key".into(),
                    nonce: "x".into(),
                },
                ..good.clone()
            }),
            bad,
            "invalid_payload",
        ),
    ];
    for (label, header, status, code) in cases {
        let response = v.send_payment(header).await;
        assert_eq!(response.status(), status, "{label}");
        let body: PaymentRequired = response.json().await.unwrap();
        assert_eq!(body.error.as_deref(), Some(code), "{label}");
    }
    assert_eq!(v.grant_state(&f.grant).await.redeemed, 0);
    assert_eq!(v.balance(&v.vendor_usdc).await, 0);
    // The good payment still works afterwards.
    let ok = v.send_payment(encode(&good)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let settlement: SettleResponse =
        decode(ok.headers()[PAYMENT_RESPONSE].to_str().unwrap()).unwrap();
    assert!(settlement.success);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_facilitator_supports_verifies_and_settles() {
    let v = vendor().await;
    let f = v.fund(1_000_000, 100 * PRICE, v.vendor_usdc).await;
    let client = v.grant_client(f.grant, 10 * PRICE);
    let supported: serde_json::Value = client
        .http
        .get(format!("{}/supported", v.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(supported["kinds"].as_array().unwrap().len(), 3);
    assert_eq!(
        supported["kinds"][0]["extra"]["feePayer"],
        v.vendor.pubkey().to_string()
    );
    assert_eq!(supported["extensions"], serde_json::json!([]));
    assert_eq!(
        supported["signers"]["solana:*"],
        serde_json::json!([v.vendor.pubkey().to_string()])
    );
    let required = v.required().await;
    let (payment, _) = client.pay(&required).await.unwrap();
    let request =
        serde_json::json!({ "paymentPayload": payment, "paymentRequirements": payment.accepted });
    let post = |path: &str| {
        client
            .http
            .post(format!("{}/{path}", v.base))
            .json(&request)
            .send()
    };
    let verified: serde_json::Value = post("verify").await.unwrap().json().await.unwrap();
    assert_eq!(verified["isValid"], true);
    assert_eq!(
        v.grant_state(&f.grant).await.redeemed,
        0,
        "verify moves nothing"
    );
    let settled: SettleResponse = post("settle").await.unwrap().json().await.unwrap();
    assert!(settled.success, "{settled:?}");
    assert_eq!(v.grant_state(&f.grant).await.redeemed, PRICE);
    let again: SettleResponse = post("settle").await.unwrap().json().await.unwrap();
    assert_eq!(
        (again.success, again.error_reason.as_deref()),
        (false, Some("duplicate_settlement"))
    );
}
