//! Go `time.Duration` text: parsing (`time.ParseDuration`) and formatting (`Duration.String()`), exactly as the
//! Flux controllers print them in events and status (`Reconciliation finished in 176.163666ms, next run in 10m0s`).

use std::time::Duration;
use thiserror::Error;

/// A duration string that Go's `time.ParseDuration` would reject.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid duration '{text}': {problem}")]
pub struct DurationError {
    pub text: String,
    pub problem: &'static str,
}

/// Parses a Go duration (`10m`, `1m30s`, `1.2s`, `500ms`, `1h0m0s`, `0`). Negative durations are rejected:
/// nothing in Flux or a scenario has a use for them.
pub fn parse_go_duration(text: &str) -> Result<Duration, DurationError> {
    let err = |problem| DurationError {
        text: text.to_owned(),
        problem,
    };
    let s = text.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.starts_with('-') {
        return Err(err("negative durations are not allowed"));
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(err("empty"));
    }
    let mut total_ns: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| err("missing unit (ns, us, ms, s, m, h)"))?;
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return Err(err("expected a number"));
        }
        let value: f64 = num.parse().map_err(|_| err("bad number"))?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(err("unknown unit (use ns, us, ms, s, m, h)")),
        };
        total_ns += value * scale;
        rest = next;
    }
    if !total_ns.is_finite() || total_ns > 1e18 {
        return Err(err("too large"));
    }
    // Rounding to whole nanoseconds, as Go does.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked finite, non-negative and below 1e18 above"
    )]
    let ns = total_ns.round() as u64;
    Ok(Duration::from_nanos(ns))
}

/// Formats like Go's `time.Duration.String()`: `0s`, `850ns`, `1.5µs`, `176.163666ms`, `2.818583s`, `10m0s`,
/// `1h0m0s`, `1m9.69461s`.
#[must_use]
pub fn format_go_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".to_owned();
    }
    if ns < 1_000_000_000 {
        let (unit, div) = if ns < 1_000 {
            ("ns", 1)
        } else if ns < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{}{unit}", with_fraction(ns, div));
    }
    let secs = ns / 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&with_fraction(
        s * 1_000_000_000 + ns % 1_000_000_000,
        1_000_000_000,
    ));
    out.push('s');
    out
}

/// `value / div` with the remainder as a decimal fraction, trailing zeros trimmed.
fn with_fraction(value: u128, div: u128) -> String {
    let whole = value / div;
    let rem = value % div;
    if rem == 0 {
        return whole.to_string();
    }
    let digits = div.ilog10() as usize;
    let frac = format!("{rem:0digits$}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(850), "850ns"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_nanos(176_163_666), "176.163666ms"),
            (Duration::from_nanos(2_818_583_000), "2.818583s"),
            (Duration::from_secs(600), "10m0s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_nanos(69_694_610_129), "1m9.694610129s"),
            (Duration::from_millis(1200), "1.2s"),
            (Duration::from_secs(270), "4m30s"),
        ];
        for (d, want) in cases {
            assert_eq!(format_go_duration(d), want);
        }
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_go_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_go_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("1.2s"), Ok(Duration::from_millis(1200)));
        assert_eq!(parse_go_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("1h0m0s"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_go_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_go_duration("2µs"), Ok(Duration::from_micros(2)));
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in ["", "10", "1x", "-1s", "s", ".s", "1m30"] {
            assert!(parse_go_duration(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn format_and_parse_round_trip() {
        for ns in [1_u64, 999, 1_234_567, 59_999_999_999, 3_723_000_000_000] {
            let d = Duration::from_nanos(ns);
            assert_eq!(parse_go_duration(&format_go_duration(d)), Ok(d));
        }
    }
}
