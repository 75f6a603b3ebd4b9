//! The README's quickstart, run verbatim: the block between its `quickstart:begin` and
//! `quickstart:end` markers, in bash with `-e`, in a scratch directory with a home of its own,
//! the built `agentrunner` first on the PATH. Every command must succeed, and the plan must
//! end settled.
use std::{path::PathBuf, process::Command, time::Duration};

fn quickstart() -> String {
    let readme = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = std::fs::read_to_string(readme).unwrap();
    let block = text
        .split("<!-- quickstart:begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- quickstart:end -->").next())
        .expect("the README marks its quickstart");
    block
        .lines()
        .filter(|line| !line.starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn test_the_readme_quickstart_runs_verbatim() {
    let script = quickstart();
    assert!(script.contains("agentrunner serve") && script.contains("settle $PLAN"));
    let dir = std::env::temp_dir().join(format!("agentrunner-quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("home")).unwrap();
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_agentrunner"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The whole script, in a process group of its own so its background jobs die with it;
    // output to files, so nothing waits on a pipe a background job still holds.
    use std::os::unix::process::CommandExt;
    let (out, err) = (dir.join("stdout.txt"), dir.join("stderr.txt"));
    let mut child = Command::new("bash")
        .args(["-e", "-c", &script])
        .current_dir(&dir)
        .env("HOME", dir.join("home"))
        .env_remove("AGENTRUNNER_HOME")
        .env("PATH", path)
        .env("RUST_LOG", "error")
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .process_group(0)
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(600) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
    let stdout = std::fs::read_to_string(&out).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    let logs = super::log_tails(&dir, &["serve.log", "broker.log", "anchorer.log"], 15);
    assert!(
        status.is_some_and(|s| s.success()),
        "the quickstart failed ({status:?}):\n{stdout}\n{stderr}\n{logs}"
    );
    assert!(stdout.contains("closed the plan"), "{stdout}");
    assert!(stdout.contains("Done"), "every step done: {stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
