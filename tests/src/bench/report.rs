//! Benchmark figures: one row per measure (median, p99, min–max over its
//! samples), the machine they were taken on, and the markdown table.

use std::fmt::Write as _;
use std::time::Duration;

/// One measure of one scenario, over `n` samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub scenario: String,
    pub measure: String,
    pub unit: &'static str,
    pub n: usize,
    pub median: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
}

impl Row {
    /// The row for `samples` (in `unit`); `None` if there are none.
    pub fn of(scenario: &str, measure: &str, unit: &'static str, samples: &[f64]) -> Option<Self> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let (&min, &max) = (sorted.first()?, sorted.last()?);
        Some(Self {
            scenario: scenario.to_owned(),
            measure: measure.to_owned(),
            unit,
            n: sorted.len(),
            median: percentile(&sorted, 50.0),
            p99: percentile(&sorted, 99.0),
            min,
            max,
        })
    }

    /// The row for latencies, in milliseconds.
    pub fn millis(scenario: &str, measure: &str, samples: &[Duration]) -> Option<Self> {
        let ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        Self::of(scenario, measure, "ms", &ms)
    }
}

/// The `p`th percentile (nearest rank) of ascending `sorted`.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Every row of a run and notes that explain them.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn add(&mut self, row: Option<Row>) {
        self.rows.extend(row);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The machine line, the table and the notes.
    pub fn markdown(&self, smoke: bool) -> String {
        let mut out = String::from("# Tocsin benchmark\n\n");
        let _ = writeln!(out, "{}\n", machine(smoke));
        out.push_str("| scenario | measure | n | median | p99 | min–max |\n");
        out.push_str("|---|---|---:|---:|---:|---:|\n");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} {u} | {} {u} | {}–{} {u} |",
                row.scenario,
                row.measure,
                row.n,
                shown(row.median),
                shown(row.p99),
                shown(row.min),
                shown(row.max),
                u = row.unit,
            );
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }
}

fn shown(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// Cores, CPU model, build profile and mode of this run.
pub fn machine(smoke: bool) -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let mode = if smoke {
        ", smoke counts (not figures to quote)"
    } else {
        ""
    };
    format!(
        "Machine: {cores} cores, {cpu}; {profile} build{mode}; \
         loopback, mutual TLS, signed statements, durable store."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_median_p99_and_range() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        let row = Row::of("s", "m", "ms", &samples).expect("samples");
        assert_eq!(
            (row.n, row.median, row.p99, row.min, row.max),
            (100, 50.0, 99.0, 1.0, 100.0)
        );
        assert!(Row::of("s", "m", "ms", &[]).is_none());
        let mut report = Report::default();
        report.add(Some(row));
        assert!(
            report
                .markdown(true)
                .contains("| s | m | 100 | 50.0 ms | 99.0 ms | 1.00–100 ms |")
        );
    }
}
