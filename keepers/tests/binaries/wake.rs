//! A broker woken by slots: started with an hour between rounds and `--wake-on-slot`, it
//! subscribes and runs its first round; a step approved after that executes only because the
//! cluster's clock moved on and the broker heard of it — through a subscription it has to make
//! again when the server drops its connection.
use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use agentrunner_keepers::{runtime::ROUND_FINISHED, wake::SUBSCRIBED};

/// A keeper process, killed when dropped (a failed assertion does not leave it running).
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the broker binary for `agent` on `url` with `args`, rounds an hour apart and woken on
/// every new slot; returns once it is subscribed and its first round is over (its log read off
/// the async runtime, which serves the cluster it talks to).
pub async fn woken_broker(url: &str, dir: &Path, agent: &str, args: &[String]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_broker"))
        .env("RUST_LOG", "info,agentrunner_keepers=debug")
        .env("NO_COLOR", "1")
        .args(["-u", url, "-k", dir.join("vendor.json").to_str().unwrap()])
        .args([
            "--deployment",
            dir.join("deployment.json").to_str().unwrap(),
        ])
        .args(["--journal", dir.join("woken.journal").to_str().unwrap()])
        .args([
            "--agent",
            agent,
            "--wake-on-slot",
            "--set",
            "interval_secs=3600",
        ])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let subscribed = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let started = Instant::now();
        for awaited in [SUBSCRIBED, ROUND_FINISHED] {
            loop {
                let line = lines.next().expect("the broker exited early").unwrap();
                if line.contains(awaited) {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "never logged {awaited}"
                );
            }
        }
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    });
    let running = Running(child);
    subscribed.await.unwrap();
    running
}
