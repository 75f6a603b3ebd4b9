//! Each keeper's Prometheus metrics, per operation: runs, errors (failed runs and failed
//! items), transactions landed and lamports they cost, served on `/metrics` by the `metrics`
//! crate's Prometheus exporter when `metrics_bind` is set.
use anyhow::{Context, Result};
use metrics_exporter_prometheus::PrometheusBuilder;

use crate::{runtime::Report, Outcome};

/// The counters of one keeper.
pub struct Metrics {
    keeper: &'static str,
}

impl Metrics {
    /// Starts the `/metrics` endpoint on `bind` (none: counters are kept but not served).
    pub fn start(keeper: &'static str, bind: Option<&str>) -> Result<Self> {
        if let Some(bind) = bind {
            let addr: std::net::SocketAddr = bind
                .parse()
                .with_context(|| format!("metrics_bind {bind:?} is not an address"))?;
            PrometheusBuilder::new()
                .with_http_listener(addr)
                .install()
                .with_context(|| format!("cannot serve metrics on {addr}"))?;
        }
        for name in [
            "keeper_runs_total",
            "keeper_errors_total",
            "keeper_transactions_total",
            "keeper_lamports_spent_total",
        ] {
            metrics::describe_counter!(name, describe(name));
        }
        Ok(Self { keeper })
    }

    /// Counts one run of `operation`.
    pub fn record(&self, operation: &'static str, result: &Result<Report>) {
        let labels = [("keeper", self.keeper), ("operation", operation)];
        metrics::counter!("keeper_runs_total", &labels).increment(1);
        let Ok(report) = result else {
            metrics::counter!("keeper_errors_total", &labels).increment(1);
            return;
        };
        for (_, outcome) in report {
            match outcome {
                Outcome::Done(landed) => {
                    metrics::counter!("keeper_transactions_total", &labels).increment(1);
                    metrics::counter!("keeper_lamports_spent_total", &labels)
                        .increment(landed.fee_lamports);
                }
                Outcome::Failed(_) => {
                    metrics::counter!("keeper_errors_total", &labels).increment(1)
                }
                Outcome::AlreadyDone(_) | Outcome::Skipped(_) => {}
            }
        }
    }
}

fn describe(name: &str) -> &'static str {
    match name {
        "keeper_runs_total" => "Runs of the operation",
        "keeper_errors_total" => "Failed runs and failed items of the operation",
        "keeper_transactions_total" => "Transactions the operation landed",
        _ => "Lamports the operation's transactions cost (base and priority fees)",
    }
}

#[cfg(test)]
mod tests {
    use agentrunner_client::send::Landed;

    use super::*;

    #[test]
    fn test_counts_runs_errors_transactions_and_lamports_per_operation() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let landed = Landed {
            signature: Default::default(),
            wire_bytes: 500,
            signatures: 1,
            blockhashes: 1,
            fee_lamports: 6_501,
        };
        metrics::with_local_recorder(&recorder, || {
            let metrics = Metrics { keeper: "anchorer" };
            let report = vec![
                ("shard 0".to_string(), Outcome::Done(landed)),
                ("shard 1".to_string(), Outcome::Failed("busy".into())),
                ("shard 2".to_string(), Outcome::Skipped("not due".into())),
            ];
            metrics.record("anchor", &Ok(report));
            metrics.record("anchor", &Err(anyhow::anyhow!("the cluster is down")));
        });
        let text = handle.render();
        for line in [
            r#"keeper_runs_total{keeper="anchorer",operation="anchor"} 2"#,
            r#"keeper_errors_total{keeper="anchorer",operation="anchor"} 2"#,
            r#"keeper_transactions_total{keeper="anchorer",operation="anchor"} 1"#,
            r#"keeper_lamports_spent_total{keeper="anchorer",operation="anchor"} 6501"#,
        ] {
            assert!(text.contains(line), "{line}:\n{text}");
        }
    }
}
