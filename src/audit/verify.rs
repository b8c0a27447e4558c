//! Reading and verifying the audit log.
//!
//! [`verify`] walks the chain line by line: each line's digest must match its content (else it was edited),
//! its `prev` must be the previous line's digest ([`GENESIS`] for the first) and its `seq` one more than the
//! previous line's (else a line was removed, inserted or moved). At most one problem is reported per line, with
//! its 1-based line number. What a hash chain cannot show by itself: the last lines removed together with
//! nothing after them. The verification therefore reports the head (last digest and count), to compare with a
//! copy kept elsewhere.

use super::log::AuditError;
use super::record::{GENESIS, Record, split_digest};
use crate::actions::params::sha256_hex;
use std::path::Path;

/// A problem at one line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub line: usize,
    pub problem: String,
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub records: usize,
    pub problems: Vec<Problem>,
    /// The last line's digest, when there is one.
    pub head: Option<String>,
}

impl Verification {
    #[must_use]
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the chain in `text` (the whole log).
#[must_use]
pub fn verify(text: &str) -> Verification {
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_owned();
    let mut prev_seq: Option<u64> = Some(0);
    let mut records = 0;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        records += 1;
        let mut report = |problem: String| {
            problems.push(Problem {
                line: number,
                problem,
            })
        };
        let Some((body, claimed)) = split_digest(line) else {
            report("not a record: no digest at the end of the line".to_owned());
            prev_seq = None;
            continue;
        };
        let fields = serde_json::from_str::<serde_json::Value>(line).ok();
        let seq = fields
            .as_ref()
            .and_then(|f| f.get("seq"))
            .and_then(serde_json::Value::as_u64);
        let its_prev = fields
            .as_ref()
            .and_then(|f| f.get("prev"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        if sha256_hex(body.as_bytes()) != claimed {
            report("edited: the digest does not match the record's content".to_owned());
        } else if fields.is_none() {
            report("not a record: not JSON".to_owned());
        } else if its_prev.as_deref() != Some(prev.as_str()) {
            report(if number == 1 {
                "does not start the chain: records before it were removed".to_owned()
            } else {
                format!(
                    "does not follow line {}: that line was changed, or lines were removed, inserted or reordered here",
                    number - 1
                )
            });
        } else if let (Some(seq), Some(before)) = (seq, prev_seq)
            && seq != before + 1
        {
            report(format!(
                "sequence number {seq} where {} was expected: lines were removed or reordered",
                before + 1
            ));
        }
        prev = claimed.to_owned();
        prev_seq = seq;
    }
    let head = (records > 0).then_some(prev);
    Verification {
        records,
        problems,
        head,
    }
}

/// Reads the log at `path` (a missing file is an empty log).
///
/// # Errors
/// Unreadable file.
pub fn read_text(path: &Path) -> Result<String, AuditError> {
    match crate::bounded_file::read(path, super::log::MAX_READ) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.is_not_found() => Ok(String::new()),
        Err(e) => Err(AuditError::Read(e)),
    }
}

/// The records of `text`, each with its line number.
///
/// # Errors
/// A line that is not a record (its number and why).
pub fn records(text: &str, path: &Path) -> Result<Vec<(usize, Record)>, AuditError> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str::<Record>(line)
                .map(|r| (i + 1, r))
                .map_err(|e| AuditError::Corrupt {
                    path: path.to_path_buf(),
                    problem: format!("line {} is not a record: {e}", i + 1),
                })
        })
        .collect()
}
