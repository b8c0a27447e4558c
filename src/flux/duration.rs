//! Go `time.Duration` text: parsing (`time.ParseDuration`) and formatting (`Duration.String()`), exactly as the
//! Flux controllers print them in events and status (`Reconciliation finished in 176.163666ms, next run in 10m0s`).
//!
//! [`parse_go_nanos`] is a line-by-line port of Go's `time.ParseDuration` (go/src/time/format.go): integer
//! nanoseconds in a `u64` with Go's overflow checks, fractional digits accumulated like Go's `leadingFraction`
//! (extra digits past `u64` precision are dropped) and scaled with the same `f64` product Go uses, units
//! `ns`, `us`, `µs` (U+00B5), `μs` (U+03BC), `ms`, `s`, `m`, `h`, an optional leading sign, and `"0"` without
//! a unit. It accepts and rejects the same strings and returns the same values (Go's own test table is the
//! unit test below). [`parse_go_duration`] is the same for the non-negative durations Flux writes.

use std::time::Duration;
use thiserror::Error;

/// A duration string that Go's `time.ParseDuration` would reject.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid duration '{text}': {problem}")]
pub struct DurationError {
    pub text: String,
    pub problem: &'static str,
}

/// `1 << 63`: Go's bound for the magnitude of a duration in nanoseconds.
const LIMIT: u64 = 1 << 63;

/// Parses a Go duration into signed nanoseconds, exactly like Go's `time.ParseDuration`.
pub fn parse_go_nanos(text: &str) -> Result<i64, DurationError> {
    let err = |problem| DurationError {
        text: text.to_owned(),
        problem,
    };
    let invalid = || err("not a Go duration (like 1m30s, 176.163666ms, 10m0s)");
    let mut s = text.as_bytes();
    let mut neg = false;
    if let Some((&c, rest)) = s.split_first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = rest;
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut d: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let before = s.len();
        let (mut v, rest) = leading_int(s).ok_or_else(|| err("too large"))?;
        s = rest;
        let pre = before != s.len();
        let (mut f, mut scale, mut post) = (0_u64, 1.0_f64, false);
        if let Some((b'.', rest)) = s.split_first() {
            let before = rest.len();
            (f, scale, s) = leading_fraction(rest);
            post = before != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s
            .iter()
            .position(|c| *c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(err("missing unit (ns, us, µs, ms, s, m, h)"));
        }
        let (unit, rest) = s.split_at(unit_len);
        s = rest;
        let unit =
            unit_nanos(unit).ok_or_else(|| err("unknown unit (use ns, us, µs, ms, s, m, h)"))?;
        if v > LIMIT / unit {
            return Err(err("too large"));
        }
        v *= unit;
        if f > 0 {
            // Go: "float64 is needed to be nanosecond accurate for fractions of hours"; the product is
            // truncated towards zero, as Go's uint64 conversion does.
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "Go's exact arithmetic: f64 product of the fraction, truncated; at most 3.6e12"
            )]
            let frac = (f as f64 * (unit as f64 / scale)) as u64;
            v = v.wrapping_add(frac);
            if v > LIMIT {
                return Err(err("too large"));
            }
        }
        d = d.wrapping_add(v);
        if d > LIMIT {
            return Err(err("too large"));
        }
    }
    if neg {
        // -(1<<63) is the smallest i64; wrapping_neg of its bit pattern gives it back.
        #[allow(
            clippy::cast_possible_wrap,
            reason = "d <= 1<<63, as Go's -Duration(d)"
        )]
        return Ok((d as i64).wrapping_neg());
    }
    i64::try_from(d).map_err(|_| err("too large"))
}

/// Go's `leadingInt`: the leading `[0-9]*` as a number, `None` on overflow past `1 << 63`.
fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut x: u64 = 0;
    let mut i = 0;
    while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > LIMIT {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..]))
}

/// Go's `leadingFraction`: the leading `[0-9]*` after a `.` as (digits, 10^digits), digits that would overflow
/// are consumed but dropped.
fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
    let (mut x, mut scale, mut overflow) = (0_u64, 1.0_f64, false);
    let mut i = 0;
    while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        i += 1;
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[i..])
}

fn unit_nanos(unit: &[u8]) -> Option<u64> {
    Some(match unit {
        b"ns" => 1,
        b"us" => 1_000,
        // U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU, in UTF-8.
        [0xC2, 0xB5, b's'] | [0xCE, 0xBC, b's'] => 1_000,
        b"ms" => 1_000_000,
        b"s" => 1_000_000_000,
        b"m" => 60_000_000_000,
        b"h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Parses a Go duration (`10m`, `1m30s`, `1.2s`, `500ms`, `1h0m0s`, `0`, `176.163666ms`, `12µs`) exactly like
/// Go's `time.ParseDuration` ([`parse_go_nanos`]). A negative result is an error (a `std` `Duration` cannot
/// hold it, and nothing in Flux or a scenario has a use for one); a negative zero (`-0`, `-0s`) is zero.
pub fn parse_go_duration(text: &str) -> Result<Duration, DurationError> {
    let ns = parse_go_nanos(text)?;
    u64::try_from(ns)
        .map(Duration::from_nanos)
        .map_err(|_| DurationError {
            text: text.to_owned(),
            problem: "negative durations are not allowed",
        })
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

    const NS: i64 = 1;
    const US: i64 = 1_000;
    const MS: i64 = 1_000_000;
    const S: i64 = 1_000_000_000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;

    /// Go's `parseDurationTests` (go/src/time/time_test.go), every row.
    #[test]
    fn parses_go_s_own_table() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * S),
            ("5.6s", 5 * S + 600 * MS),
            ("5.s", 5 * S),
            (".5s", 500 * MS),
            ("1.0s", S),
            ("1.00s", S),
            ("1.004s", S + 4 * MS),
            ("1.0040s", S + 4 * MS),
            ("100.00100s", 100 * S + MS),
            ("10ns", 10 * NS),
            ("11us", 11 * US),
            ("12µs", 12 * US),
            ("12μs", 12 * US),
            ("13ms", 13 * MS),
            ("14s", 14 * S),
            ("15m", 15 * M),
            ("16h", 16 * H),
            ("3h30m", 3 * H + 30 * M),
            ("10.5s4m", 4 * M + 10 * S + 500 * MS),
            ("-2m3.4s", -(2 * M + 3 * S + 400 * MS)),
            (
                "1h2m3s4ms5us6ns",
                H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS,
            ),
            ("39h9m14.425s", 39 * H + 9 * M + 14 * S + 425 * MS),
            ("52763797000ns", 52_763_797_000 * NS),
            ("0.3333333333333333333h", 20 * M),
            ("9007199254740993ns", (1 << 53) + 1),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-9223372036s854ms775us808ns", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("0.100000000000000000000h", 6 * M),
            (
                "0.830103483285477580700h",
                49 * M + 48 * S + 372_539_827 * NS,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_go_nanos(text), Ok(*want), "{text}");
        }
    }

    /// Go's `parseDurationErrorTests` (the rows that are valid UTF-8: a Rust `&str` cannot hold the others).
    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "3",
            "-",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "\u{FFFD}",
            "\u{FFFD} hello \u{FFFD} world",
            "9223372036854775810ns",
            "9223372036854775808ns",
            "-9223372036854775809ns",
            "9223372036854776us",
            "3000000h",
            "9223372036854775.808us",
            "9223372036854ms775us808ns",
            // and a few more Go rejects: whitespace, a missing last unit, a bare sign with a unit
            " 5s",
            "5s ",
            "1m30",
            "10m0",
            "1.2.3s",
        ] {
            assert!(parse_go_nanos(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn flux_durations_parse_to_std_durations() {
        let cases = [
            ("10m", Duration::from_secs(600)),
            ("1m30s", Duration::from_secs(90)),
            ("1m2.5s", Duration::from_millis(62_500)),
            ("176.163666ms", Duration::from_nanos(176_163_666)),
            ("176.16ms", Duration::from_nanos(176_160_000)),
            ("448.00332ms", Duration::from_nanos(448_003_320)),
            ("1m9.694610129s", Duration::from_nanos(69_694_610_129)),
            ("2.818583s", Duration::from_nanos(2_818_583_000)),
            ("1h0m0s", Duration::from_secs(3600)),
            ("0", Duration::ZERO),
            ("-0", Duration::ZERO),
            ("+1.s", Duration::from_secs(1)),
            ("2µs", Duration::from_micros(2)),
            ("2μs", Duration::from_micros(2)),
            ("2us", Duration::from_micros(2)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_go_duration(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn negative_durations_are_an_error_for_std_durations() {
        let e = parse_go_duration("-1s").unwrap_err();
        assert_eq!(e.problem, "negative durations are not allowed");
        assert!(e.to_string().contains("'-1s'"));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        assert_eq!(parse_go_nanos("2562047h47m16.854775807s"), Ok(i64::MAX));
        assert!(parse_go_nanos("2562047h47m16.854775808s").is_err());
        assert!(parse_go_duration("99999999999999999999h").is_err());
    }

    #[test]
    fn formats_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(1), "1ns"),
            (Duration::from_nanos(850), "850ns"),
            (Duration::from_nanos(1_100), "1.1µs"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_nanos(2_200_000), "2.2ms"),
            (Duration::from_nanos(176_163_666), "176.163666ms"),
            (Duration::from_nanos(2_818_583_000), "2.818583s"),
            (Duration::from_millis(3300), "3.3s"),
            (Duration::from_secs(245), "4m5s"),
            (Duration::from_millis(245_001), "4m5.001s"),
            (Duration::from_millis(18_367_001), "5h6m7.001s"),
            (Duration::from_nanos(480_000_000_001), "8m0.000000001s"),
            (
                Duration::from_nanos(i64::MAX.unsigned_abs()),
                "2562047h47m16.854775807s",
            ),
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
    fn format_and_parse_round_trip() {
        for ns in [
            1_u64,
            999,
            1_234_567,
            59_999_999_999,
            3_723_000_000_000,
            i64::MAX.unsigned_abs(),
        ] {
            let d = Duration::from_nanos(ns);
            assert_eq!(parse_go_duration(&format_go_duration(d)), Ok(d));
        }
    }
}
