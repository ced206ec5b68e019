//! Timestamps as the TSB writes them: ISO-8601 UTC with second precision, e.g.
//! `2024-11-21T12:05:20Z`, and as clients send them (`[.fraction]`, `Z` or `±hh:mm`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Whole seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The current time (a clock before 1970 reads as the epoch).
    pub fn now() -> Self {
        Self(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }
}

impl Timestamp {
    /// Parses `YYYY-MM-DDThh:mm:ss[.fraction]` followed by `Z` or `±hh:mm` (the TSB's
    /// ISO-8601 validator); the fraction is dropped. `None` for anything else, including
    /// instants before 1970.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = bytes.get(range)?;
            part.iter().all(u8::is_ascii_digit).then(|| {
                part.iter()
                    .fold(0i64, |value, digit| value * 10 + i64::from(digit - b'0'))
            })
        };
        let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        if separators
            .iter()
            .any(|&(at, expected)| bytes.get(at) != Some(&expected))
        {
            return None;
        }
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        let mut rest = &text[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let end = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            if end == 0 {
                return None;
            }
            rest = &fraction[end..];
        }
        let offset = match rest.as_bytes() {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let number = |a: &u8, b: &u8| {
                    (a.is_ascii_digit() && b.is_ascii_digit())
                        .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
                };
                let (hours, minutes) = (number(h1, h2)?, number(m1, m2)?);
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let seconds = hours * 3600 + minutes * 60;
                if *sign == b'+' { seconds } else { -seconds }
            }
            _ => return None,
        };
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        // Howard Hinnant's days-from-civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
        u64::try_from(seconds).ok().map(Self)
    }
}

impl fmt::Display for Timestamp {
    /// Formats with Howard Hinnant's civil-from-days algorithm (proleptic Gregorian, UTC).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0 / 86_400;
        let secs = self.0 % 86_400;
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn formats_known_instants() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(1_732_190_720).to_string(), "2024-11-21T12:05:20Z");
        assert_eq!(Timestamp(951_782_400).to_string(), "2000-02-29T00:00:00Z");
        assert_eq!(Timestamp(4_102_444_799).to_string(), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn parses_what_it_formats_and_what_clients_send() {
        for secs in [0, 951_782_400, 1_732_190_720, 4_102_444_799] {
            let text = Timestamp(secs).to_string();
            assert_eq!(Timestamp::parse(&text), Some(Timestamp(secs)), "{text}");
        }
        let at = Some(Timestamp(1_698_687_024));
        assert_eq!(Timestamp::parse("2023-10-30T17:30:24+00:00"), at);
        assert_eq!(Timestamp::parse("2023-10-30T19:30:24.123+02:00"), at);
        assert_eq!(Timestamp::parse("2023-10-30T15:00:24-02:30"), at);
        assert_eq!(Timestamp::parse("2023-10-30T17:30:24.5Z"), at);
        for bad in [
            "2023-10-30T17:30:24",
            "2023-10-30 17:30:24Z",
            "2023-02-29T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2023-10-30T17:30:24.Z",
            "2023-10-30T17:30:24+0000",
            "1969-12-31T23:59:59Z",
            "２023-10-30T17:30:24Z",
            "",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
