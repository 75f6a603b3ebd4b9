//! The `indexer` binary killed with SIGKILL at random instants (lives calibrated to this machine)
//! while receipts keep landing, then
//! restarted: it always ends with exactly the chain's leaves — no gap, no duplicate, the chain's
//! root. Cycles: `AGENTRUNNER_INDEXER_KILL_CYCLES` (50 by default, which CI runs).
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use agentrunner_indexer::store::Store;
use rand::{rngs::StdRng, Rng, SeedableRng};

use super::{
    follow::holds_exactly_the_chain,
    world::{postgres, postgres_server, sqlite, World},
};

fn indexer(url: &str, db: &str, once: bool) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_indexer"));
    command
        .args(["-u", url, "--db", db, "--batch", "1", "--interval-ms", "2"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if once {
        command.arg("--once");
    }
    command.spawn().unwrap()
}

fn cycles() -> u32 {
    std::env::var("AGENTRUNNER_INDEXER_KILL_CYCLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50)
}

/// What the kills found.
#[derive(Debug, Default)]
struct Kills {
    /// The indexer had committed more than before the run, but not everything.
    mid_work: u32,
    /// It had committed nothing new.
    before_progress: u32,
    /// It was caught up.
    idle: u32,
}

/// Kills and restarts the indexer `cycles` times while appends land.
async fn kill_and_restart(world: &mut World, db: &str, cycles: u32, seed: u64) -> Kills {
    let mut rng = StdRng::seed_from_u64(seed);
    let store = Store::open(db).await.unwrap();
    let indexed = || async {
        store
            .trees()
            .await
            .unwrap()
            .iter()
            .map(|t| t.leaves)
            .sum::<u64>()
    };
    // Lives drawn around the work window, timed on this machine and database now: from 0.7
    // times a run with nothing to do (start, connect, resume) to 1.3 times a run indexing 30
    // receipts one commit each — kills land while starting, while committing and after.
    let timed = |world: &World| {
        let started = std::time::Instant::now();
        assert!(indexer(&world.url(), db, true).wait().unwrap().success());
        started.elapsed().as_millis() as u64
    };
    let idle = timed(world);
    world.append(30).await;
    let busy = timed(world).max(idle + 10);
    let lives = idle * 7 / 10..busy * 13 / 10;
    let mut kills = Kills::default();
    for _ in 0..cycles {
        world.append(rng.gen_range(5..25)).await;
        let before = indexed().await;
        let mut child = indexer(&world.url(), db, false);
        tokio::time::sleep(Duration::from_millis(rng.gen_range(lives.clone()))).await;
        child.kill().unwrap();
        child.wait().unwrap();
        let after = indexed().await;
        match (after > before, after < world.appended.len() as u64) {
            (true, true) => kills.mid_work += 1,
            (false, true) => kills.before_progress += 1,
            (_, false) => kills.idle += 1,
        }
    }
    kills
}

async fn survives_kills(db: &str, cycles: u32, seed: u64) {
    let mut world = World::new(2).await;
    let kills = kill_and_restart(&mut world, db, cycles, seed).await;
    let status = indexer(&world.url(), db, true).wait().unwrap();
    assert!(status.success(), "the last run finishes: {status}");
    let store = Store::open(db).await.unwrap();
    holds_exactly_the_chain(&world, &store).await;
    eprintln!(
        "{db}: {cycles} kills ({kills:?}), {} receipts indexed exactly",
        world.appended.len()
    );
    assert!(
        kills.mid_work > 0,
        "no kill landed in the middle of work: {kills:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_indexer_killed_at_random_points_ends_with_exactly_the_chain_leaves() {
    survives_kills(&sqlite("kill"), cycles(), 17).await;
    if let Some(server) = postgres_server() {
        survives_kills(&postgres(&server, "kill").await, cycles().div_ceil(2), 29).await;
    }
}
