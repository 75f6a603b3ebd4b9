//! A send's CPIs (what `getTransaction` reports as inner instructions and what the receipts
//! indexer reads) come from a simulation of it: the one made just before it was sent when the
//! bank has not changed since, else a fresh one. Idempotent ATA creation makes CPIs only while
//! the account is missing, so a stale simulation would show.
use agentrunner_embedded::EmbeddedChain;
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;

#[tokio::test]
async fn test_a_send_is_traced_from_its_simulation_only_on_the_bank_it_simulated() {
    let chain = EmbeddedChain::start().await.unwrap();
    let mint = chain.create_mint(6).await.unwrap();
    let payer = chain.payer().insecure_clone();
    let other = chain.funded_keypair(1_000_000_000).await.unwrap();
    let create = |payer: &Pubkey, wallet: &Pubkey| {
        create_associated_token_account_idempotent(payer, wallet, &mint, &spl_token_interface::ID)
    };

    // Simulated, then sent on the same bank: the account is created, with its CPIs.
    let wallet = Pubkey::new_unique();
    let tx = chain
        .sign(&payer, &[create(&payer.pubkey(), &wallet)], &[], &[])
        .await
        .unwrap();
    let simulated = chain.simulate_with_details(tx.clone()).await.unwrap();
    let simulated_cpis = simulated
        .simulation_details
        .unwrap()
        .inner_instructions
        .unwrap();
    let traced = chain.process_traced(tx).await.unwrap();
    assert!(traced.cpis().count() > 0);
    assert_eq!(
        traced.cpis().count(),
        simulated_cpis.iter().flatten().count()
    );

    // Simulated while the account is missing; someone else creates it; then sent: it finds the
    // account and makes no CPI — and its trace says so, not what the simulation saw.
    let wallet = Pubkey::new_unique();
    let late = chain
        .sign(&payer, &[create(&payer.pubkey(), &wallet)], &[], &[])
        .await
        .unwrap();
    let simulated = chain.simulate_with_details(late.clone()).await.unwrap();
    assert!(simulated
        .simulation_details
        .unwrap()
        .inner_instructions
        .unwrap()
        .iter()
        .any(|group| !group.is_empty()));
    chain
        .send_traced_v0(&other, &[create(&other.pubkey(), &wallet)], &[], &[])
        .await
        .unwrap();
    let signature = late.signatures[0];
    let traced = chain.process_traced(late).await.unwrap();
    assert_eq!(traced.cpis().count(), 0);
    let recorded = chain.inner_instructions(&signature).unwrap();
    assert!(recorded.iter().all(Vec::is_empty), "{recorded:?}");
}
