//! Time helpers: Zoho's datetime format (`2023-10-15T10:30:00+00:00`) and a monotonic-enough clock.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// The current time in UTC, truncated to whole seconds as Zoho reports it.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Formats a datetime the way Zoho writes one: seconds precision and a `+hh:mm` offset.
pub fn format(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    ))
    .unwrap_or_default()
}

/// Parses an ISO 8601 datetime with an offset (`Z` or `+hh:mm`).
pub fn parse(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).ok()
}

/// Parses a `yyyy-MM-dd` date.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_explicit_offset() {
        let t = parse("2023-10-15T10:30:00Z").unwrap();
        assert_eq!(format(t), "2023-10-15T10:30:00+00:00");
        let t = parse("2019-07-25T15:26:49+05:30").unwrap();
        assert_eq!(format(t), "2019-07-25T15:26:49+05:30");
    }

    #[test]
    fn rejects_bad_dates() {
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-09-30").is_some());
        assert!(parse("2026-09-30").is_none());
    }
}
