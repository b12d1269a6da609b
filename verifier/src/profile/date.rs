//! Calendar dates for predicates: ISO 8601 `YYYY-MM-DD` (RFC 3339 full-date, as the
//! credential types' schemas write them), the UTC day of an instant, and age in
//! whole calendar years — integers only.

use sigillum_credential::time::Timestamp;
use time::{Date, Month, OffsetDateTime};

/// Parses exactly `YYYY-MM-DD` with a real day of a real month (no sign, no time,
/// no zone; `2023-02-29` is refused).
pub(super) fn parse(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u16> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u16, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
        })
    };
    let year = i32::from(number(0..4)?);
    let month = Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    let day = u8::try_from(number(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// The UTC calendar day of `t`, or `None` outside the calendar `time` supports.
pub(super) fn day_of(t: Timestamp) -> Option<Date> {
    OffsetDateTime::from_unix_timestamp(t.unix())
        .ok()
        .map(OffsetDateTime::date)
}

/// Whole calendar years from `birth` to `today`: one more on each birthday,
/// the birthday itself included. 29 February counts as passed on 1 March in a
/// common year. Negative when `birth` is after `today`.
pub(super) fn age_on(birth: Date, today: Date) -> i32 {
    let years = today.year() - birth.year();
    let before_birthday =
        (u8::from(today.month()), today.day()) < (u8::from(birth.month()), birth.day());
    if before_birthday { years - 1 } else { years }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        parse(text).unwrap()
    }

    #[test]
    fn only_real_full_dates_parse() {
        assert_eq!(
            parse("2024-02-29"),
            Date::from_calendar_date(2024, Month::February, 29).ok()
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-4-01",
            "+2024-04-01",
            "2024-04-01T00:00:00Z",
            "2024/04/01",
            "２０２４-04-01",
            "",
            "-024-04-01",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn age_counts_calendar_years_and_the_birthday_itself() {
        assert_eq!(age_on(d("2008-11-24"), d("2026-11-23")), 17);
        assert_eq!(age_on(d("2008-11-24"), d("2026-11-24")), 18);
        assert_eq!(age_on(d("2008-11-24"), d("2026-12-31")), 18);
        assert_eq!(age_on(d("2008-02-29"), d("2026-02-28")), 17);
        assert_eq!(age_on(d("2008-02-29"), d("2026-03-01")), 18);
        assert_eq!(age_on(d("2008-02-29"), d("2028-02-29")), 20);
        assert_eq!(age_on(d("2030-01-01"), d("2026-01-01")), -4);
    }

    #[test]
    fn the_day_of_an_instant_is_its_utc_day() {
        // 2026-11-24T23:59:59Z and the next second.
        assert_eq!(
            day_of(Timestamp::from_unix(1_795_564_799)),
            Some(d("2026-11-24"))
        );
        assert_eq!(
            day_of(Timestamp::from_unix(1_795_564_800)),
            Some(d("2026-11-25"))
        );
        assert_eq!(day_of(Timestamp::from_unix(i64::MAX)), None);
    }
}
