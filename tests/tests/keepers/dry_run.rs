//! What `goal --dry-run` accepts, the chain accepts: goals composed from the language's pieces
//! (verbs, amounts in tokens, dollars and shares, pairs pooled and routed, caps, schedules,
//! conditions, fee caps) are drafted and checked by the programs' own rules exactly as the CLI
//! checks them; every one accepted is then created and has its RFPs opened on the chain, and
//! every one refused leaves nothing behind. Neither side may be empty. And one-shot goals in
//! every form execute to the end.
use agentrunner_client::{
    flows::{self, OwnerWallet, RfpPolicy},
    ix,
    send::{SendPolicy, Sender},
};
use agentrunner_embedded::{
    localnet::{Localnet, LocalnetSpec},
    EmbeddedChain,
};
use solana_signer::Signer;

const VERBS: [&str; 3] = ["swap", "sell", "convert"];
const AMOUNTS: [&str; 4] = ["0.5", "$20 of", "10% of my", "2"];
const PAIRS: [(&str, &str); 4] = [
    ("SOL", "USDC"),
    ("USDC", "SOL"),
    ("JUP", "USDC"),
    ("SOL", "JUP"),
];
const CAPS: [&str; 3] = ["", "<=30 bps", "max 0%"];
const SCHEDULES: [&str; 3] = ["", "3 times every 30m", "every day for a week"];
const CONDITIONS: [&str; 4] = [
    "",
    "if SOL is above $100",
    "if volatility spikes",
    "if JUP drops below $0.5",
];
const FEES: [&str; 3] = ["", "; cap fees at 5 bps", "; cap fees at 0.01%"];

/// The `i`-th goal of a fixed walk over the pieces (co-prime strides, so the walk mixes them).
fn goal(i: usize) -> String {
    let (sell, buy) = PAIRS[(i * 3) % PAIRS.len()];
    let amount = AMOUNTS[(i * 5) % AMOUNTS.len()];
    let parts = [
        VERBS[i % VERBS.len()].to_string(),
        format!("{amount} {sell} to {buy}"),
        CAPS[(i * 7) % CAPS.len()].into(),
        SCHEDULES[(i / 2) % SCHEDULES.len()].into(),
        CONDITIONS[(i / 3) % CONDITIONS.len()].into(),
    ];
    let text = parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    format!("{text}{}", FEES[(i / 5) % FEES.len()])
}

#[tokio::test]
async fn test_every_goal_the_dry_run_accepts_the_chain_accepts() {
    let chain = EmbeddedChain::start().await.unwrap();
    let localnet = Localnet::bootstrap(&chain, &LocalnetSpec::default(), &[])
        .await
        .unwrap();
    let d = &localnet.deployment;
    let owner = chain.funded_keypair(100_000_000_000).await.unwrap();
    for (symbol, atoms) in [
        ("SOL", 10_000_000_000),
        ("USDC", 1_000_000_000),
        ("JUP", 1_000_000_000),
    ] {
        localnet
            .fund_tokens(&chain, &owner.pubkey(), symbol, atoms)
            .await
            .unwrap();
    }
    let sender = Sender::unjournaled(&chain, SendPolicy::immediate());
    let wallet = OwnerWallet::new(&chain, &sender, &owner, d);
    let policy = RfpPolicy::default();
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    for i in 0..72 {
        let text = goal(i);
        let now = chain.clock().await.unwrap().unix_timestamp;
        let checked = match flows::draft(&chain, d, &text, &owner.pubkey(), &owner.pubkey()).await {
            Ok(draft) => flows::checked_rfps(&chain, d, &draft, &owner.pubkey(), &policy, now)
                .await
                .map(|rfps| (draft, rfps))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match checked {
            Ok((draft, rfps)) => {
                wallet
                    .create(&draft)
                    .await
                    .unwrap_or_else(|e| panic!("{text}: the dry run accepted it: {e}"));
                for rfp in rfps {
                    chain
                        .send(&[ix::market::open_rfp(&owner.pubkey(), rfp)], &[&owner])
                        .await
                        .unwrap_or_else(|e| panic!("{text}: its RFP was accepted dry: {e:?}"));
                }
                assert!(
                    chain.account(&draft.plan).await.unwrap().is_some(),
                    "{text}"
                );
                accepted.push(text);
            }
            Err(why) => {
                assert!(!why.is_empty(), "{text}: refused without a reason");
                refused.push(text);
            }
        }
    }
    assert!(
        accepted.len() >= 20 && refused.len() >= 10,
        "{} accepted, {} refused",
        accepted.len(),
        refused.len()
    );
}

/// One-shot goals in every form (tokens, dollars, shares; pooled and routed pairs; caps; fee
/// caps; conditions that hold at today's prices): each drafts, and each is created, bid on by
/// a certified vendor, awarded, approved and executed to the end — routed ones both legs.
const ONE_SHOT: [&str; 8] = [
    "swap 0.5 SOL to USDC",
    "sell $20 of SOL to JUP <=30 bps",
    "convert 10% of my USDC to SOL",
    "swap 100 JUP to USDC max 1%",
    "buy SOL with 20 USDC if SOL is above $100",
    "sell 1 SOL for USDC if SOL drops below $200",
    "swap 50 USDC to JUP; cap fees at 2%",
    "buy JUP with 0.3 SOL",
];
#[tokio::test]
async fn test_one_shot_goals_in_every_form_execute_to_the_end() {
    use agentrunner_client::chain::Chain;
    use agentrunner_tests::keeper_world::{awarded, boxed};
    use runner::state::{Plan, StepStatus};

    let a = awarded().await;
    let chain = &*a.chain;
    let owner = a.owner.pubkey();
    a.localnet
        .fund_tokens(chain, &owner, "JUP", 1_000_000_000)
        .await
        .unwrap();
    let broker = a.broker(
        chain,
        boxed(agentrunner_client::send::NoJournal),
        SendPolicy::immediate(),
    );
    for text in ONE_SHOT {
        let plan = a.approved_goal(text).await;
        for _ in 0..3 {
            broker.execute_all().await.unwrap();
        }
        let plan: Plan = chain.fetch(&plan).await.unwrap();
        assert!(
            plan.steps.iter().all(|s| s.status == StepStatus::Done),
            "{text}: {:?}",
            plan.steps
        );
    }
}
