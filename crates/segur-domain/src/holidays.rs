//! French public holidays and working days (CAL-03).
//!
//! The 11 national public holidays: 1 January, Easter Monday, 1 May, 8 May, Ascension (39 days
//! after Easter), Whit Monday (50 days after Easter), 14 July, 15 August, 1 November,
//! 11 November, 25 December. Alsace-Moselle adds Good Friday and 26 December. Easter Sunday is computed with
//! the Meeus/Butcher (anonymous Gregorian) algorithm. A working day is a weekday that is not a
//! public holiday; Saturdays count as non-working (administrative practice).

use jiff::civil::{Date, Weekday, date};

/// Easter Sunday of a Gregorian year (Meeus/Butcher). Years outside jiff's range are not
/// representable anyway.
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31: both fit in i8.
    date(year, month as i8, day as i8)
}

/// The public holidays of a year, sorted, with their French names.
pub fn public_holidays(year: i16, alsace_moselle: bool) -> Vec<(Date, &'static str)> {
    let easter = easter_sunday(year);
    let plus = |n: i64| {
        easter
            .checked_add(jiff::Span::new().days(n))
            .unwrap_or(easter)
    };
    let mut out = vec![
        (date(year, 1, 1), "Jour de l'an"),
        (plus(1), "Lundi de Pâques"),
        (date(year, 5, 1), "Fête du Travail"),
        (date(year, 5, 8), "Victoire 1945"),
        (plus(39), "Ascension"),
        (plus(50), "Lundi de Pentecôte"),
        (date(year, 7, 14), "Fête nationale"),
        (date(year, 8, 15), "Assomption"),
        (date(year, 11, 1), "Toussaint"),
        (date(year, 11, 11), "Armistice 1918"),
        (date(year, 12, 25), "Noël"),
    ];
    if alsace_moselle {
        out.push((plus(-2), "Vendredi saint"));
        out.push((date(year, 12, 26), "Saint-Étienne"));
    }
    out.sort();
    out
}

/// The holiday's name if `d` is a French public holiday.
pub fn holiday_name(d: Date, alsace_moselle: bool) -> Option<&'static str> {
    public_holidays(d.year(), alsace_moselle)
        .into_iter()
        .find(|(h, _)| *h == d)
        .map(|(_, n)| n)
}

pub fn is_public_holiday(d: Date, alsace_moselle: bool) -> bool {
    holiday_name(d, alsace_moselle).is_some()
}

/// A weekday (Monday–Friday) that is not a public holiday.
pub fn is_working_day(d: Date, alsace_moselle: bool) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
        && !is_public_holiday(d, alsace_moselle)
}

/// The date `n` working days after `d` (before it when `n` is negative); `n = 0` returns `d`.
pub fn add_working_days(d: Date, n: i64, alsace_moselle: bool) -> Date {
    let step = if n < 0 { -1 } else { 1 };
    let mut left = n.abs();
    let mut cur = d;
    while left > 0 {
        match cur.checked_add(jiff::Span::new().days(step)) {
            Ok(next) => cur = next,
            Err(_) => return cur,
        }
        if is_working_day(cur, alsace_moselle) {
            left -= 1;
        }
    }
    cur
}

/// Working days in `(from, to]`: how many working days pass from `from` to `to` (negative when
/// `to` is before `from`).
pub fn working_days_between(from: Date, to: Date, alsace_moselle: bool) -> i64 {
    let (a, b, sign) = if from <= to {
        (from, to, 1)
    } else {
        (to, from, -1)
    };
    let mut count = 0;
    let mut cur = a;
    while cur < b {
        match cur.tomorrow() {
            Ok(next) => cur = next,
            Err(_) => break,
        }
        if is_working_day(cur, alsace_moselle) {
            count += 1;
        }
    }
    sign * count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cal_03_easter_known_years() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2027), date(2027, 3, 28));
        assert_eq!(easter_sunday(2019), date(2019, 4, 21));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
        assert_eq!(easter_sunday(2285), date(2285, 3, 22));
    }

    #[test]
    fn cal_03_holidays_of_2026() {
        let h = public_holidays(2026, false);
        assert_eq!(h.len(), 11);
        assert!(
            is_public_holiday(date(2026, 4, 6), false),
            "Lundi de Pâques"
        );
        assert!(is_public_holiday(date(2026, 5, 14), false), "Ascension");
        assert!(
            is_public_holiday(date(2026, 5, 25), false),
            "Lundi de Pentecôte"
        );
        assert!(
            !is_public_holiday(date(2026, 4, 3), false),
            "Vendredi saint hors Alsace-Moselle"
        );
        assert!(is_public_holiday(date(2026, 4, 3), true));
        assert!(is_public_holiday(date(2026, 12, 26), true));
        assert_eq!(public_holidays(2026, true).len(), 13);
        assert_eq!(
            holiday_name(date(2026, 7, 14), false),
            Some("Fête nationale")
        );
    }

    #[test]
    fn cal_03_amended_mdv_dates_are_working_days() {
        for d in [
            date(2027, 1, 20),
            date(2027, 4, 6),
            date(2027, 7, 16),
            date(2028, 1, 20),
            date(2028, 4, 13),
        ] {
            assert!(is_working_day(d, false), "{d}");
        }
        assert!(
            !is_working_day(date(2027, 3, 29), false),
            "Easter Monday 2027"
        );
        assert!(!is_working_day(date(2026, 11, 21), false), "Saturday");
    }

    #[test]
    fn cal_03_working_day_offsets() {
        // Friday 2026-05-08 is a holiday; Thursday 7 May + 1 working day = Monday 11 May.
        assert_eq!(
            add_working_days(date(2026, 5, 7), 1, false),
            date(2026, 5, 11)
        );
        assert_eq!(
            add_working_days(date(2026, 5, 11), -1, false),
            date(2026, 5, 7)
        );
        assert_eq!(
            add_working_days(date(2026, 5, 7), 0, false),
            date(2026, 5, 7)
        );
        // Christmas week 2026: 25 Dec Friday holiday.
        assert_eq!(
            working_days_between(date(2026, 12, 21), date(2026, 12, 28), false),
            4
        );
        assert_eq!(
            working_days_between(date(2026, 12, 28), date(2026, 12, 21), false),
            -4
        );
        assert_eq!(
            working_days_between(date(2026, 12, 21), date(2026, 12, 21), false),
            0
        );
        for n in [-30, -3, 1, 7, 45] {
            let d = add_working_days(date(2026, 3, 2), n, true);
            assert_eq!(working_days_between(date(2026, 3, 2), d, true), n);
        }
    }
}
