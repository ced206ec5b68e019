//! The approver's proof of possession (reference 13.2): a `timestamp` string, checked against
//! the DTO's validator pattern and the allowed clock skew.

/// Why a `timestamp` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Not `YYYY-MM-DDThh:mm:ss[.fraction]` + `Z` or `±hh:mm`, or not a real instant: 400
    /// with 600 `res.error.input.validation.failed`.
    #[error(
        "Field 'timestamp' must be an ISO-8601 timestamp (YYYY-MM-DDThh:mm:ss[.fraction] with Z or ±hh:mm), not '{0}'."
    )]
    Malformed(String),
    /// Outside the allowed window around the emulator's clock: 400 with 404
    /// `res.error.input.timestamp.off`.
    #[error("The timestamp '{0}' is too far from the current time.")]
    Off(String),
}

/// Parses a `timestamp` by the validator pattern `YYYY-MM-DDThh:mm:ss[.fraction]` followed by
/// `Z` or `±hh:mm` (clients send `2023-10-30T17:30:24+00:00`, `2025-03-01T09:00:00.123Z`,
/// `2024-08-14T20:03:02+02:00`) into seconds since the epoch (the fraction is dropped;
/// instants before 1970 are negative). Field ranges are checked (month 1-12, the month's days,
/// hour < 24, minute and second < 60, offset hours < 24).
pub fn parse_timestamp(text: &str) -> Result<i64, TimestampError> {
    let malformed = || TimestampError::Malformed(text.to_owned());
    let bytes = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = bytes.get(from..from + len)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0i64, |n, digit| n * 10 + i64::from(digit - b'0'))
        })
    };
    let at = |i: usize, c: u8| bytes.get(i) == Some(&c);
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return Err(malformed());
    }
    let field = |from, len| digits(from, len).ok_or_else(malformed);
    let (year, month, day) = (field(0, 4)?, field(5, 2)?, field(8, 2)?);
    let (hour, minute, second) = (field(11, 2)?, field(14, 2)?, field(17, 2)?);
    let mut rest = 19;
    if at(rest, b'.') {
        let fraction = bytes[rest + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if fraction == 0 {
            return Err(malformed());
        }
        rest += 1 + fraction;
    }
    let offset = match bytes.get(rest..) {
        Some(b"Z") => 0,
        Some([sign @ (b'+' | b'-'), ..]) if bytes.len() == rest + 6 && at(rest + 3, b':') => {
            let (hours, minutes) = (field(rest + 1, 2)?, field(rest + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return Err(malformed());
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return Err(malformed()),
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(malformed()),
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return Err(malformed());
    }
    let days = days_from_civil(year, month, day);
    Ok(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Parses `text` ([`parse_timestamp`]) and checks that it lies within
/// `[now - max_past, now + max_future]` (seconds; the TSB's
/// `maxTimestampDiffApprovalClient` and `maxFutureTimestampDiffApprovalClient`, default 0).
/// Returns the instant in seconds since the epoch.
pub fn check_timestamp(
    text: &str,
    now: u64,
    max_past: u64,
    max_future: u64,
) -> Result<i64, TimestampError> {
    let instant = i128::from(parse_timestamp(text)?);
    let now = i128::from(now);
    if instant < now - i128::from(max_past) || instant > now + i128::from(max_future) {
        return Err(TimestampError::Off(text.to_owned()));
    }
    Ok(instant as i64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm, the
/// inverse of `domain::Timestamp`'s formatter).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
