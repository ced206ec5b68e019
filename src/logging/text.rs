//! The text log format: `tracing_subscriber`'s default, with a fast path that writes the
//! one-line-per-request event (target [`REQUEST_TARGET`]) byte for byte as the default does,
//! without its styling and calendar machinery; every other event goes to the default format
//! unchanged.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The target of the one log line per request.
pub const REQUEST_TARGET: &str = "tsb_emulator::request";

/// The text log format: `tracing_subscriber`'s default, with a fast path for the per-request
/// line (plain output only; a terminal gets the default's colours).
#[derive(Default)]
pub struct TextFormat {
    full: Format<Full, SystemTime>,
}

impl<S, N> FormatEvent<S, N> for TextFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        if writer.has_ansi_escapes()
            || meta.target() != REQUEST_TARGET
            || ctx.lookup_current().is_some()
        {
            return self.full.format_event(ctx, writer, event);
        }
        write_timestamp(&mut writer, std::time::SystemTime::now())?;
        // The level right-aligned in five columns, as `{:>5}` pads it.
        let level = match *meta.level() {
            tracing::Level::TRACE => "TRACE",
            tracing::Level::DEBUG => "DEBUG",
            tracing::Level::INFO => " INFO",
            tracing::Level::WARN => " WARN",
            tracing::Level::ERROR => "ERROR",
        };
        writer.write_char(' ')?;
        writer.write_str(level)?;
        writer.write_char(' ')?;
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        let mut fields = LineFields {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writeln!(writer)
    }
}

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

/// A string as `Debug` writes it: in quotes, escaped.
pub(super) fn write_quoted(writer: &mut impl fmt::Write, value: &str) -> fmt::Result {
    // `Debug` of a string needing no escapes is the string in quotes.
    if value
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
    {
        writer.write_char('"')?;
        writer.write_str(value)?;
        writer.write_char('"')
    } else {
        write!(writer, "{value:?}")
    }
}

/// The default format's field visitor without styling: `message` first as text, then
/// `name=value` with strings quoted and escaped (`Debug`), numbers bare.
struct LineFields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl LineFields<'_, '_> {
    fn name(&mut self, field: &Field) -> fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.writer.write_char(' ')?;
        }
        let name = field.name();
        self.writer
            .write_str(name.strip_prefix("r#").unwrap_or(name))?;
        self.writer.write_char('=')
    }
}

impl Visit for LineFields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_err() {
            return;
        }
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
            return;
        }
        self.result = self
            .name(field)
            .and_then(|()| write_quoted(self.writer, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.result.is_err() {
            return;
        }
        self.result = self
            .name(field)
            .and_then(|()| self.writer.write_str(itoa::Buffer::new().format(value)));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        self.result = if field.name() == "message" {
            if !std::mem::take(&mut self.first) {
                self.result = self.writer.write_char(' ');
            }
            write!(self.writer, "{value:?}")
        } else {
            self.name(field)
                .and_then(|()| write!(self.writer, "{value:?}"))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logging::captured::Captured;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_786), (2026, 11, 29));
        assert_eq!(civil_date(47_541), (2100, 3, 1));
    }

    /// Formats `event!`s with both formats and returns the two outputs, timestamps cut off.
    fn both_formats(emit: impl Fn()) -> (String, String) {
        let run = |fast: bool| {
            let out = Captured::default();
            let sink = out.clone();
            let make = move || sink.clone();
            let builder = tracing_subscriber::fmt().with_ansi(false).with_writer(make);
            let dispatch = if fast {
                tracing::Dispatch::new(builder.event_format(TextFormat::default()).finish())
            } else {
                tracing::Dispatch::new(builder.finish())
            };
            tracing::dispatcher::with_default(&dispatch, &emit);
            out.text()
                .lines()
                .map(|line| {
                    line.split_once('Z')
                        .map_or(line, |(_, rest)| rest)
                        .to_owned()
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        (run(true), run(false))
    }

    #[test]
    fn the_request_line_is_written_exactly_as_the_default_format_writes_it() {
        let (fast, default) = both_formats(|| {
            let code = "600";
            for label in ["-", "my key", "quote\"d", "new\nline", "tab\there", "ünï"] {
                tracing::info!(target: "tsb_emulator::request", method = %"POST", route = "/v1/key", status = 400u16, error_code = %code, key_label = label, duration_ms = 3u64, fault = "-", "request");
            }
            tracing::debug!(target: "tsb_emulator::request", method = %"GET", route = "/health", status = 200u16, "request");
            tracing::warn!(other = 1, "a line of another target");
        });
        assert!(fast.contains("key_label=\"my key\""), "{fast}");
        assert_eq!(fast, default);
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
