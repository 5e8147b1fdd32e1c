//! The figures a run prints: latency percentiles and throughput for each kind of request.

use crate::journeys::{Kind, Timed};
use std::time::Duration;

/// The nearest-rank percentile of sorted latencies.
fn percentile(sorted: &[Duration], percent: f64) -> Duration {
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.max(1) - 1).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Prints one line for each kind of request made, and one for them all; returns the errors.
pub fn print(requests: &[Timed], elapsed: Duration) -> usize {
    println!(
        "{:<26} {:>7} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "request", "count", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms", "per_s", "target_ms"
    );
    let mut lines: Vec<(String, Vec<&Timed>, Option<u32>)> = Kind::ALL
        .iter()
        .map(|kind| {
            let target = if kind.is_save() { 250 } else { 50 };
            let made = requests
                .iter()
                .filter(|timed| timed.kind == *kind)
                .collect();
            (kind.label().to_string(), made, Some(target))
        })
        .collect();
    lines.push(("all".to_string(), requests.iter().collect(), None));
    for (label, made, target) in lines {
        if made.is_empty() {
            continue;
        }
        let errors = made.iter().filter(|timed| timed.error.is_some()).count();
        let mut sorted: Vec<Duration> = made.iter().map(|timed| timed.latency).collect();
        sorted.sort();
        println!(
            "{:<26} {:>7} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>9}",
            label,
            made.len(),
            errors,
            ms(percentile(&sorted, 50.0)),
            ms(percentile(&sorted, 90.0)),
            ms(percentile(&sorted, 99.0)),
            ms(*sorted.last().expect("at least one")),
            made.len() as f64 / elapsed.as_secs_f64(),
            target.map_or("".to_string(), |ms| format!("p99<{ms}")),
        );
    }
    requests
        .iter()
        .filter(|timed| timed.error.is_some())
        .count()
}
