//! A vendor's first steps through the CLI, as every journey test starts: `agent init`'s
//! example manifest edited, `agent register`, and `certify` A-D with the vendor's broker as
//! its agent (live on the cluster for the canaries, started by the certifier in its sandboxes).
use super::*;

/// A manifest advertising `capabilities` (a JSON array): `agent init`'s commented example,
/// renamed, as a vendor would start.
fn manifest_with(s: &Served, path: &Path, capabilities: &str) {
    let out = s.run(
        "vendor",
        &["agent", "init", "--manifest", path.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = s.run(
        "vendor",
        &["agent", "init", "--manifest", path.to_str().unwrap()],
    );
    assert!(
        !again.status.success() && String::from_utf8_lossy(&again.stderr).contains("--force"),
        "init never overwrites silently"
    );
    let example = std::fs::read_to_string(path).unwrap();
    assert!(
        example.lines().any(|l| l.trim_start().starts_with("//")),
        "commented"
    );
    let edited = example
        .replace("\"MyAgent\"", "\"FastRoute\"")
        .replace("[\"swap\", \"dca\"]", capabilities);
    std::fs::write(path, edited).unwrap();
}

/// The vendor registers an agent advertising `capabilities` (a JSON array) and the certifier
/// certifies it A-D through the CLI — the vendor's broker run in the certifier's sandboxes and
/// live on the cluster for its canaries; returns the agent's address.
pub(crate) fn onboard(s: &Served, capabilities: &str) -> String {
    let manifest_path = s.dir.join("manifest.json");
    manifest_with(s, &manifest_path, capabilities);
    let manifest_arg = manifest_path.to_str().unwrap();

    // The vendor registers; the certifier certifies it A-D.
    let out = s.run("vendor", &["agent", "register", "--manifest", manifest_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let agent = text
        .split(" as ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    // The vendor's agent is the broker: live on the cluster for the certifier's canary plans,
    // and started by the certifier against its sandboxes (which it points the broker at).
    let vendor_key = s.key("vendor");
    let broker_args = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = ["keeper", "broker", "-k", vendor_key.to_str().unwrap()]
            .iter()
            .chain(&["--agent", &agent, "--manifest", manifest_arg])
            .chain(&["--set", "interval_secs=1"])
            .map(|a| a.to_string())
            .collect();
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let log = std::fs::File::create(s.dir.join("live-broker.log")).unwrap();
    let journal = s.dir.join("live-broker.journal");
    let receipts = format!("receipts_dir={}", s.dir.join("live-receipts").display());
    let mut live = Command::new(BIN)
        .args(["-u", &s.url, "--deployment"])
        .arg(s.dir.join("deployment.json"))
        .args(broker_args(&[
            "--journal",
            journal.to_str().unwrap(),
            "--set",
            &receipts,
        ]))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let agent_cmd = std::iter::once(BIN.to_string())
        .chain(broker_args(&[]))
        .collect::<Vec<_>>()
        .join(" ");
    let reports_dir = s.dir.join("reports");
    let out = s.run(
        "certifier",
        &[
            "--output",
            "json",
            "certify",
            &agent,
            "--manifest",
            manifest_arg,
            "--agent-cmd",
            &agent_cmd,
            "--reports-dir",
            reports_dir.to_str().unwrap(),
        ],
    );
    let _ = live.kill();
    let _ = live.wait();
    // A failed stage shows its report's summary (what was measured and why it failed).
    let summaries: String = std::fs::read_dir(&reports_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|f| f.path().extension().is_some_and(|e| e == "txt"))
        .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
        .collect();
    assert!(
        out.status.success(),
        "certify: {}\n{summaries}",
        String::from_utf8_lossy(&out.stderr)
    );
    let certified: Value = serde_json::from_slice(&out.stdout).unwrap();
    let verdicts: Vec<bool> = certified
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report"]["passed"].as_bool().unwrap())
        .collect();
    assert_eq!(verdicts, [true, true, true, true]);
    agent
}
