//! SVM `exact` against the vendor's paywall and facilitator: a paid request, and every way a
//! dishonest client can shape the transaction answered with the spec's code, nothing served,
//! every account byte-identical.
use agentrunner_keepers::broker::http::Ohlcv;
use agentrunner_x402::{
    exact::{encode_transaction, transfer_transaction, ExactTerms, MEMO_PROGRAM},
    wire::{PaymentPayload, SchemePayload, SCHEME_EXACT},
};
use anchor_lang::solana_program::instruction::Instruction;
use axum::{http::HeaderMap, response::IntoResponse};
use reqwest::StatusCode;
use solana_hash::Hash;
use solana_transaction::versioned::VersionedTransaction;

use super::*;

/// The 402's `exact` requirement and an honest payment for it.
async fn exact_payment(v: &Vendor, client: &PayingClient) -> (PaymentRequired, PaymentPayload) {
    let required = v.required().await;
    let (payment, _) = client.pay(&required).await.unwrap();
    (required, payment)
}

fn with_transaction(payment: &PaymentPayload, tx: &VersionedTransaction) -> PaymentPayload {
    PaymentPayload {
        payload: SchemePayload::Exact {
            transaction: encode_transaction(tx),
        },
        ..payment.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_exact_pays_with_one_transfer_the_vendor_co_signs_and_pays_the_fee_for() {
    let v = vendor().await;
    let (payer, payer_usdc, client) = v.exact_payer(10 * PRICE, 10 * PRICE).await;
    let payer_lamports = v.chain.balance(&payer.pubkey()).await.unwrap();
    let vendor_lamports = v.chain.balance(&v.vendor.pubkey()).await.unwrap();

    let paid = client.get(&v.url()).await.unwrap();
    assert_eq!(paid.status, StatusCode::OK);
    let series: Ohlcv = serde_json::from_slice(&paid.body).unwrap();
    assert_eq!(series.symbol, "SOL");
    let settlement = paid.settlement.unwrap();
    assert!(settlement.success, "{settlement:?}");
    assert_eq!(settlement.payer, payer.pubkey().to_string());
    let signature = settlement.transaction.parse().unwrap();
    assert_eq!(v.chain.status(&signature), Some(Ok(())));
    // Exactly the price moved; the payer spent no SOL; the vendor paid the fee (two signatures).
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
    assert_eq!(v.balance(&payer_usdc).await, 9 * PRICE);
    assert_eq!(
        v.chain.balance(&payer.pubkey()).await.unwrap(),
        payer_lamports
    );
    let fee = vendor_lamports - v.chain.balance(&v.vendor.pubkey()).await.unwrap();
    assert_eq!(
        fee,
        2 * 5_000 + 1,
        "two signatures and 20k CU at 1 micro-lamport"
    );
    assert_eq!(client.spent(), PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adversary_k11_a_hundred_copies_of_one_exact_payment_settle_once() {
    let v = vendor().await;
    let (_payer, payer_usdc, client) = v.exact_payer(10 * PRICE, 10 * PRICE).await;
    let (_, payment) = exact_payment(&v, &client).await;
    let header = encode(&payment);
    let requests = (0..100).map(|_| {
        let (http, url, header) = (client.http.clone(), v.url(), header.clone());
        tokio::spawn(async move {
            let response = http
                .get(url)
                .header(PAYMENT_SIGNATURE, header)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body["error"].as_str().map(str::to_string))
        })
    });
    let mut served = 0;
    for request in requests {
        match request.await.unwrap() {
            (StatusCode::OK, _) => served += 1,
            (status, error) => {
                assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
                assert_eq!(error.as_deref(), Some("duplicate_settlement"));
            }
        }
    }
    assert_eq!(served, 1);
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
    assert_eq!(v.balance(&payer_usdc).await, 9 * PRICE);
    // Replayed later: the same answer, nothing moves.
    let replay = v.send_payment(header).await;
    let body: PaymentRequired = replay.json().await.unwrap();
    assert_eq!(body.error.as_deref(), Some("duplicate_settlement"));
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adversary_a33_every_dishonest_exact_transaction_gets_its_code_and_moves_nothing() {
    let v = vendor().await;
    let (payer, payer_usdc, client) = v.exact_payer(10 * PRICE, 10 * PRICE).await;
    let (required, honest) = exact_payment(&v, &client).await;
    let terms = ExactTerms::of(&required.accepts[0]).unwrap();
    let blockhash = v.chain.latest_blockhash().await.unwrap().0;
    let token = spl_token_interface::ID;
    let tx = |terms: &ExactTerms, blockhash: Hash| {
        transfer_transaction(terms, &payer, &token, 6, blockhash, "nonce-0123456789").unwrap()
    };
    let sol_mint = v.localnet.deployment.token("SOL").unwrap().mint;
    // A transaction of `ixs` paid by the vendor and signed by the payer.
    let raw = |ixs: &[Instruction]| {
        let message =
            agentrunner_client::send::compile_message_v0(&v.vendor.pubkey(), ixs, blockhash)
                .unwrap();
        let mut signatures =
            vec![Default::default(); usize::from(message.header().num_required_signatures)];
        if let Some(i) = message
            .static_account_keys()
            .iter()
            .position(|k| *k == payer.pubkey())
        {
            signatures[i] = payer.sign_message(&message.serialize());
        }
        VersionedTransaction {
            signatures,
            message,
        }
    };
    let honest_tx = tx(&terms, blockhash);
    let honest_ixs: Vec<Instruction> = {
        let transfer = spl_token_interface::instruction::transfer_checked(
            &token,
            &payer_usdc,
            &v.usdc,
            &v.vendor_usdc,
            &payer.pubkey(),
            &[],
            PRICE,
            6,
        )
        .unwrap();
        vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                20_000,
            ),
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(1),
            transfer,
            Instruction {
                program_id: MEMO_PROGRAM,
                accounts: vec![],
                data: b"nonce".to_vec(),
            },
        ]
    };
    let mut stolen = honest_ixs.clone();
    stolen[2] = spl_token_interface::instruction::transfer_checked(
        &token,
        &v.vendor_usdc,
        &v.usdc,
        &payer_usdc,
        &v.vendor.pubkey(),
        &[],
        PRICE,
        6,
    )
    .unwrap();
    let mut extra = honest_ixs.clone();
    extra.push(solana_system_interface::instruction::transfer(
        &payer.pubkey(),
        &Keypair::new().pubkey(),
        1,
    ));
    let mut greedy = honest_ixs.clone();
    greedy[1] = solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(
        10_000_000,
    );
    let mut unsigned = honest_tx.clone();
    unsigned.signatures[1] = Default::default();
    // A blockhash that expired: 151 slots later the cluster no longer accepts it.
    let expired_tx = tx(&terms, blockhash);
    let expired = with_transaction(&honest, &expired_tx);
    let cases: Vec<(&str, PaymentPayload, &str)> = vec![
        (
            "underpayment",
            with_transaction(
                &honest,
                &tx(
                    &ExactTerms {
                        amount: PRICE - 1,
                        ..terms.clone()
                    },
                    blockhash,
                ),
            ),
            "invalid_exact_svm_payload_amount_mismatch",
        ),
        (
            "wrong mint",
            with_transaction(
                &honest,
                &tx(
                    &ExactTerms {
                        asset: sol_mint,
                        ..terms.clone()
                    },
                    blockhash,
                ),
            ),
            "invalid_exact_svm_payload_mint_mismatch",
        ),
        (
            "wrong payTo",
            with_transaction(
                &honest,
                &tx(
                    &ExactTerms {
                        pay_to: Keypair::new().pubkey(),
                        ..terms.clone()
                    },
                    blockhash,
                ),
            ),
            "invalid_exact_svm_payload_recipient_mismatch",
        ),
        (
            "extra instruction",
            with_transaction(&honest, &raw(&extra)),
            "invalid_exact_svm_payload_unknown_fifth_instruction",
        ),
        (
            "fee payer moving funds",
            with_transaction(&honest, &raw(&stolen)),
            "invalid_exact_svm_payload_transaction_fee_payer_transferring_funds",
        ),
        (
            "priority fee above the cap",
            with_transaction(&honest, &raw(&greedy)),
            "invalid_exact_svm_payload_transaction_instructions_compute_price_instruction_too_high",
        ),
        (
            "payer signature missing",
            with_transaction(&honest, &unsigned),
            "invalid_exact_svm_payload_signature_invalid",
        ),
        (
            "another fee payer",
            with_transaction(
                &honest,
                &tx(
                    &ExactTerms {
                        fee_payer: payer.pubkey(),
                        ..terms.clone()
                    },
                    blockhash,
                ),
            ),
            "invalid_exact_svm_fee_payer_mismatch",
        ),
        (
            "foreign scheme",
            PaymentPayload {
                accepted: agentrunner_x402::wire::PaymentRequirements {
                    scheme: "upto".into(),
                    ..honest.accepted.clone()
                },
                ..honest.clone()
            },
            "unsupported_scheme",
        ),
    ];
    let before = v.snapshot(&payer.pubkey(), &payer_usdc).await;
    for (label, payment, code) in &cases {
        let response = v.send_payment(encode(payment)).await;
        assert_eq!(response.status(), StatusCode::PAYMENT_REQUIRED, "{label}");
        let body: PaymentRequired = response.json().await.unwrap();
        assert_eq!(body.error.as_deref(), Some(*code), "{label}");
    }
    for _ in 0..151 {
        v.chain.warp_slots(1).await.unwrap();
    }
    let response = v.send_payment(encode(&expired)).await;
    let body: PaymentRequired = response.json().await.unwrap();
    assert_eq!(
        body.error.as_deref(),
        Some("invalid_exact_svm_transaction_simulation_failed"),
        "expired blockhash"
    );
    assert_eq!(v.snapshot(&payer.pubkey(), &payer_usdc).await, before);
    let _ = SCHEME_EXACT;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_a_failed_response_is_never_charged_and_its_payment_stays_usable() {
    let v = vendor().await;
    let (payer, payer_usdc, client) = v.exact_payer(10 * PRICE, 10 * PRICE).await;
    // A symbol the vendor has no feed for: 404 before any payment is asked.
    let missing = reqwest::get(v.url().replace("SOL", "DOGE")).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get(PAYMENT_REQUIRED).is_none());

    // A paid request whose handler fails: its answer, no settlement, nothing moved.
    let (required, payment) = exact_payment(&v, &client).await;
    let mut headers = HeaderMap::new();
    headers.insert(PAYMENT_SIGNATURE, encode(&payment).parse().unwrap());
    let before = v.snapshot(&payer.pubkey(), &payer_usdc).await;
    let failed = v
        .paywall
        .paid(&headers, &required.resource, PRICE, || async {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
        .await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(failed.headers().get(PAYMENT_RESPONSE).is_none());
    assert_eq!(v.snapshot(&payer.pubkey(), &payer_usdc).await, before);
    // The same payment then buys the resource once.
    let ok = v.send_payment(encode(&payment)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_x402_facilitator_answers_json_with_codes_for_every_scheme_and_body() {
    let v = vendor().await;
    let (_payer, _payer_usdc, client) = v.exact_payer(10 * PRICE, 10 * PRICE).await;
    let (_, payment) = exact_payment(&v, &client).await;
    let post = |path: &str, body: String| {
        client
            .http
            .post(format!("{}/{path}", v.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let request = |payment: &PaymentPayload| {
        serde_json::json!({ "x402Version": 2, "paymentPayload": payment, "paymentRequirements": payment.accepted })
            .to_string()
    };
    // Valid exact: verify moves nothing, settle lands once, a second settle is a duplicate.
    let verified: serde_json::Value = post("verify", request(&payment))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["isValid"], true, "{verified}");
    assert_eq!(v.balance(&v.vendor_usdc).await, 0);
    let settled: SettleResponse = post("settle", request(&payment))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(settled.success, "{settled:?}");
    assert_eq!(v.balance(&v.vendor_usdc).await, PRICE);
    let again: SettleResponse = post("settle", request(&payment))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again.error_reason.as_deref(), Some("duplicate_settlement"));

    // A scheme not served here, and a body that is no request: JSON with the code.
    let foreign = PaymentPayload {
        accepted: agentrunner_x402::wire::PaymentRequirements {
            scheme: "upto".into(),
            ..payment.accepted.clone()
        },
        ..payment.clone()
    };
    let mut body = serde_json::from_str::<serde_json::Value>(&request(&foreign)).unwrap();
    body["paymentRequirements"]["scheme"] = "upto".into();
    let response = post("verify", body.to_string()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let refused: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (&refused["isValid"], &refused["invalidReason"]),
        (&false.into(), &"unsupported_scheme".into())
    );
    for path in ["verify", "settle"] {
        let response = post(path, "{\"nope\":1}".into()).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        let code = if path == "verify" {
            &body["invalidReason"]
        } else {
            &body["errorReason"]
        };
        assert_eq!(code, "invalid_payload", "{path}: {body}");
    }
}
