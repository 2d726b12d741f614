//! Figures of a node process read from `/proc`: its resident memory and its
//! open file descriptors, sampled over a run, and whether they stayed flat
//! after warm-up (Linux only).

use anyhow::{Context, Result, bail};
use std::path::Path;

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// `VmRSS` from `/proc/<pid>/status`, in KiB.
    pub rss_kib: u64,
    /// Entries of `/proc/<pid>/fd`.
    pub fds: u64,
}

/// Reads `pid`'s resident memory and open file descriptors now.
pub fn sample(pid: u32) -> Result<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading the status of process `{pid}`"))?;
    let rss_kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .with_context(|| format!("no `VmRSS` in the status of process `{pid}`"))?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .with_context(|| format!("listing the descriptors of process `{pid}`"))?
        .count();
    Ok(Sample {
        rss_kib,
        fds: u64::try_from(fds)?,
    })
}

/// The child process of this one whose environment sets `name` to `value`
/// (e.g. a node's `TOCSIN_NODE_DATA_DIR`).
pub fn child_with_env(name: &str, value: &str) -> Result<u32> {
    let me = std::process::id();
    let wanted = format!("{name}={value}");
    for entry in std::fs::read_dir("/proc")? {
        let Ok(pid) = entry?.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // A process may end between the listing and the reading.
        let (Ok(stat), Ok(environ)) = (
            std::fs::read_to_string(format!("/proc/{pid}/stat")),
            std::fs::read(format!("/proc/{pid}/environ")),
        ) else {
            continue;
        };
        if parent(&stat) == Some(me) && environ.split(|b| *b == 0).any(|var| var == wanted.as_bytes()) {
            return Ok(pid);
        }
    }
    bail!("no child process with `{wanted}`")
}

/// The node process started on `data_dir`.
pub fn node_pid(data_dir: &Path) -> Result<u32> {
    child_with_env("TOCSIN_NODE_DATA_DIR", &data_dir.display().to_string())
}

/// The parent pid in a `/proc/<pid>/stat` line: the field after the
/// command, which is in parentheses and may hold spaces.
fn parent(stat: &str) -> Option<u32> {
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// A series of samples of one process, one a second.
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub samples: Vec<Sample>,
}

/// The means of the second and the last third of a series, for one figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    pub middle: f64,
    pub last: f64,
    pub min: u64,
    pub max: u64,
}

impl Growth {
    fn of(values: &[u64]) -> Option<Self> {
        let third = values.len() / 3;
        if third == 0 {
            return None;
        }
        let mean = |part: &[u64]| part.iter().map(|v| *v as f64).sum::<f64>() / part.len() as f64;
        Some(Self {
            middle: mean(&values[third..2 * third]),
            last: mean(&values[values.len() - third..]),
            min: values.iter().copied().min()?,
            max: values.iter().copied().max()?,
        })
    }

    /// How much the last third's mean exceeds the second third's.
    pub fn increase(&self) -> f64 {
        self.last - self.middle
    }
}

impl Series {
    pub fn push(&mut self, sample: Sample) {
        self.samples.push(sample);
    }

    /// Resident memory, KiB; `None` with fewer than three samples.
    pub fn rss(&self) -> Option<Growth> {
        Growth::of(&self.samples.iter().map(|s| s.rss_kib).collect::<Vec<_>>())
    }

    /// Open file descriptors; `None` with fewer than three samples.
    pub fn fds(&self) -> Option<Growth> {
        Growth::of(&self.samples.iter().map(|s| s.fds).collect::<Vec<_>>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_is_read_past_a_command_with_spaces() {
        assert_eq!(parent("42 (tocsin node) S 7 42 42 0"), Some(7));
    }

    #[test]
    fn growth_compares_the_second_and_last_thirds() {
        let growth = Growth::of(&[1, 1, 1, 2, 2, 2, 5, 5, 5, 9]).unwrap();
        assert_eq!(
            (growth.middle, growth.last, growth.min, growth.max),
            (2.0, 19.0 / 3.0, 1, 9)
        );
        assert!(Growth::of(&[1, 2]).is_none());
    }

    #[test]
    fn this_process_can_be_sampled() {
        let me = sample(std::process::id()).unwrap();
        assert!(me.rss_kib > 0 && me.fds > 0, "{me:?}");
    }
}
