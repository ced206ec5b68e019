//! The approver's timestamp.

use super::super::*;

#[test]
fn timestamps_follow_the_validator_pattern() {
    assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
    assert_eq!(
        parse_timestamp("2023-10-30T17:30:24+00:00"),
        Ok(1_698_687_024)
    );
    assert_eq!(
        parse_timestamp("2024-08-14T20:03:02+02:00"),
        Ok(1_723_658_582)
    );
    assert_eq!(
        parse_timestamp("2025-03-01T09:00:00.123Z"),
        Ok(1_740_819_600)
    );
    assert_eq!(
        parse_timestamp("2000-02-29T23:59:59-01:30"),
        Ok(951_868_799 + 5_400)
    );
    assert_eq!(parse_timestamp("1969-12-31T23:59:59Z"), Ok(-1));
    for bad in [
        "2023-10-30 17:30:24Z",
        "2023-10-30T17:30:24",
        "2023-10-30T17:30Z",
        "2023-10-30T17:30:24.Z",
        "2023-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2023-10-30T24:00:00Z",
        "2023-10-30T17:30:24+0000",
        "2023-10-30T17:30:24+00:00 ",
        "２023-10-30T17:30:24Z",
    ] {
        assert!(
            matches!(parse_timestamp(bad), Err(TimestampError::Malformed(_))),
            "{bad}"
        );
    }
}

#[test]
fn timestamps_outside_the_window_are_off() {
    let now = 1_698_687_024;
    let text = "2023-10-30T17:30:24+00:00";
    assert_eq!(check_timestamp(text, now, 0, 0), Ok(1_698_687_024));
    assert_eq!(check_timestamp(text, now + 600, 600, 0), Ok(1_698_687_024));
    assert!(matches!(
        check_timestamp(text, now + 601, 600, 0),
        Err(TimestampError::Off(_))
    ));
    assert!(matches!(
        check_timestamp(text, now - 1, 600, 0),
        Err(TimestampError::Off(_))
    ));
    assert_eq!(check_timestamp(text, now - 5, 600, 5), Ok(1_698_687_024));
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics_the_timestamp_parser(text in "\\PC{0,40}") {
        let _ = check_timestamp(&text, 1_700_000_000, 600, 0);
    }

    #[test]
    fn formatted_instants_parse_back(seconds in 0u64..4_102_444_800) {
        let text = crate::domain::Timestamp(seconds).to_string();
        proptest::prop_assert_eq!(parse_timestamp(&text), Ok(seconds as i64));
    }
}
