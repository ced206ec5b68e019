//! Prometheus metrics: request counts and latencies per route, in the text exposition format.

use super::lock;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    statuses: BTreeMap<u16, u64>,
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counters and histograms by method, route (and status).
#[derive(Default)]
pub(super) struct Metrics {
    /// By route, then method; looked up by `&str`, so counting allocates only for a new series.
    series: Mutex<HashMap<String, HashMap<String, Series>>>,
}

impl Metrics {
    /// Counts one answered request.
    pub(super) fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut all = lock(&self.series);
        let by_method = match all.get_mut(route) {
            Some(by_method) => by_method,
            None => all.entry(route.to_owned()).or_default(),
        };
        let series = match by_method.get_mut(method) {
            Some(series) => series,
            None => by_method.entry(method.to_owned()).or_default(),
        };
        *series.statuses.entry(status).or_default() += 1;
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
        let all = lock(&self.series);
        // Sorted by method, then route, as before the series were keyed for lookups.
        let mut sorted: Vec<(&str, &str, &Series)> = all
            .iter()
            .flat_map(|(route, by_method)| {
                by_method
                    .iter()
                    .map(move |(method, series)| (method.as_str(), route.as_str(), series))
            })
            .collect();
        sorted.sort_by_key(|(method, route, _)| (*method, *route));
        let mut out = String::new();
        out.push_str("# HELP tsb_emulator_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE tsb_emulator_requests_total counter\n");
        for (method, route, series) in &sorted {
            for (status, count) in &series.statuses {
                let _ = writeln!(
                    out,
                    "tsb_emulator_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP tsb_emulator_request_duration_seconds Time to answer, by method and route.\n",
        );
        out.push_str("# TYPE tsb_emulator_request_duration_seconds histogram\n");
        for (method, route, series) in &sorted {
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
