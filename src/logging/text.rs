//! Text pieces of the request line ([`super::request`]) as `tracing_subscriber`'s default
//! format writes them: the timestamp, without its calendar machinery, and quoted strings.

use std::cell::RefCell;
use std::fmt::{self, Write as _};

/// `2026-11-29T13:13:50.912203Z`, as the default format writes it; the date and time to the
/// second are formatted once per second per thread.
pub(super) fn write_timestamp(
    writer: &mut impl fmt::Write,
    now: std::time::SystemTime,
) -> fmt::Result {
    thread_local! {
        static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let since_epoch = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_epoch.as_secs();
    SECOND.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != seconds {
            let (year, month, day) = civil_date(seconds / 86_400);
            let in_day = seconds % 86_400;
            cached.1.clear();
            write!(
                cached.1,
                "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
                in_day / 3600,
                in_day % 3600 / 60,
                in_day % 60
            )?;
            cached.0 = seconds;
        }
        writer.write_str(&cached.1)?;
        // `.{:06}Z` without the formatting machinery: six digits, zero-padded.
        let mut micros = since_epoch.subsec_micros();
        let mut fraction = *b".000000Z";
        for digit in fraction[1..7].iter_mut().rev() {
            *digit = b'0' + (micros % 10) as u8;
            micros /= 10;
        }
        writer.write_str(std::str::from_utf8(&fraction).map_err(|_| fmt::Error)?)
    })
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Whether `value` is printable ASCII without quotes or backslashes, which neither `Debug`
/// nor JSON escapes: such a string is written as it is, in quotes.
pub(super) fn needs_no_escapes(value: &str) -> bool {
    value
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
}

/// A string as `Debug` writes it: in quotes, escaped.
pub(super) fn write_quoted(writer: &mut impl fmt::Write, value: &str) -> fmt::Result {
    if needs_no_escapes(value) {
        writer.write_char('"')?;
        writer.write_str(value)?;
        writer.write_char('"')
    } else {
        write!(writer, "{value:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt::format::Writer;
    use tracing_subscriber::fmt::time::SystemTime;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_786), (2026, 11, 29));
        assert_eq!(civil_date(47_541), (2100, 3, 1));
    }

    #[test]
    fn timestamps_look_like_the_default_ones() {
        let mut ours = String::new();
        let now = std::time::SystemTime::now();
        write_timestamp(&mut ours, now).expect("format");
        let mut theirs = String::new();
        tracing_subscriber::fmt::time::FormatTime::format_time(
            &SystemTime,
            &mut Writer::new(&mut theirs),
        )
        .expect("format");
        // Same shape and, up to a second boundary between the two calls, the same second.
        assert_eq!(ours.len(), theirs.len(), "{ours} vs {theirs}");
        assert_eq!(ours[..17], theirs[..17], "{ours} vs {theirs}");
        let mut known = String::new();
        let at = std::time::UNIX_EPOCH + std::time::Duration::new(1_764_422_030, 9_203_000);
        write_timestamp(&mut known, at).expect("format");
        assert_eq!(known, "2025-11-29T13:13:50.009203Z");
    }
}
