//! Prometheus metrics: request counts and latencies per route, in the text exposition format.

use super::lock;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counters and histograms by method, route (and status).
#[derive(Default)]
pub(super) struct Metrics {
    counts: Mutex<BTreeMap<(String, String, u16), u64>>,
    latencies: Mutex<BTreeMap<(String, String), Series>>,
}

impl Metrics {
    /// Counts one answered request.
    pub(super) fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        *lock(&self.counts)
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let mut latencies = lock(&self.latencies);
        let series = latencies
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        let seconds = elapsed.as_secs_f64();
        series.count += 1;
        series.sum += seconds;
        for (bucket, bound) in series.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// The Prometheus text exposition of the request counts and latencies.
    pub(super) fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        out.push_str("# HELP tsb_emulator_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE tsb_emulator_requests_total counter\n");
        for ((method, route, status), count) in lock(&self.counts).iter() {
            let _ = writeln!(
                out,
                "tsb_emulator_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP tsb_emulator_request_duration_seconds Time to answer, by method and route.\n",
        );
        out.push_str("# TYPE tsb_emulator_request_duration_seconds histogram\n");
        for ((method, route), series) in lock(&self.latencies).iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, count) in BUCKETS.iter().zip(series.buckets) {
                let _ = writeln!(
                    out,
                    "tsb_emulator_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "tsb_emulator_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                series.count
            );
            let _ = writeln!(
                out,
                "tsb_emulator_request_duration_seconds_sum{{{labels}}} {}",
                series.sum
            );
            let _ = writeln!(
                out,
                "tsb_emulator_request_duration_seconds_count{{{labels}}} {}",
                series.count
            );
        }
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
