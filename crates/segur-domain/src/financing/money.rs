//! Amounts in euros: exact decimals with exactly two places, never floats (FIN-03).
//!
//! The ASP reads and writes amounts as `1234.50`: [`Money::parse`] accepts that form only, so a
//! third decimal or a negative amount is refused when a file is loaded, not later in a check.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::ParseError;

/// Largest amount accepted: a thousand billion euros is far above any Prestation Ségur, and the
/// bound keeps every product of two amounts inside [`Decimal`]'s range.
const MAX_INTEGER_DIGITS: usize = 12;

/// A non-negative amount in euros with exactly two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, 2));

    /// Parses `1234.50`: digits, a dot, exactly two digits. No sign, no exponent, no grouping.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        let refuse = |why: &str| Err(ParseError::new("montant", format!("« {input} » : {why}")));
        let Some((int, dec)) = s.split_once('.') else {
            return refuse("montant en euros avec exactement 2 décimales attendu (ex. 1234.50)");
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return refuse("partie entière invalide (montant positif attendu, ex. 1234.50)");
        }
        if dec.len() != 2 || !dec.bytes().all(|b| b.is_ascii_digit()) {
            return refuse("exactement 2 décimales attendues (ex. 1234.50)");
        }
        if int.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
            return refuse("montant trop grand");
        }
        Decimal::from_str_exact(s)
            .map(Money)
            .or_else(|_| refuse("montant invalide"))
    }

    /// An amount from a whole number of cents.
    pub fn from_cents(cents: u64) -> Result<Self, ParseError> {
        let max = 10u64.pow(MAX_INTEGER_DIGITS as u32) * 100;
        if cents >= max {
            return Err(ParseError::new("montant", "montant trop grand"));
        }
        Ok(Money(Decimal::new(cents as i64, 2)))
    }

    /// The amount in cents.
    pub fn cents(self) -> u64 {
        // Invariant: scale 2, non-negative, below 10^14 cents.
        let m = self.0.mantissa();
        u64::try_from(m).unwrap_or(0)
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// Sum, or `None` past the largest amount accepted.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        Money::from_cents(self.cents().checked_add(other.cents())?).ok()
    }

    /// Rounds a non-negative decimal to the cent, half away from zero (the usual invoice
    /// rounding).
    fn from_decimal_rounded(d: Decimal) -> Option<Money> {
        if d.is_sign_negative() && !d.is_zero() {
            return None;
        }
        let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        r.rescale(2);
        let m = Money(r);
        Money::from_cents(m.cents()).ok()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Scale is always 2, so the decimal prints as `1234.50`.
        write!(f, "{}", self.0)
    }
}

impl FromStr for Money {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl TryFrom<String> for Money {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Money::parse(&value)
    }
}

impl From<Money> for String {
    fn from(value: Money) -> String {
        value.to_string()
    }
}

/// A VAT rate in percent, e.g. 20 (FIN-03: 20 % [default]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatRate(Decimal);

impl VatRate {
    /// The standard French rate, 20 %.
    pub const STANDARD: VatRate = VatRate(Decimal::from_parts(20, 0, 0, false, 0));

    /// Parses a percentage such as `20` or `5.5` (between 0 and 100).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let d = Decimal::from_str_exact(input.trim().trim_end_matches('%').trim())
            .map_err(|_| ParseError::new("tva", format!("« {input} » : taux en % attendu")))?;
        if d.is_sign_negative() || d > Decimal::ONE_HUNDRED || d.scale() > 2 {
            return Err(ParseError::new(
                "tva",
                format!("« {input} » : taux entre 0 et 100 %, au plus 2 décimales"),
            ));
        }
        Ok(VatRate(d))
    }

    pub fn percent(self) -> Decimal {
        self.0
    }

    /// TTC of an HT amount, rounded to the cent.
    pub fn ttc(self, ht: Money) -> Money {
        let factor = Decimal::ONE + self.0 / Decimal::ONE_HUNDRED;
        // In range: HT < 10^12 € and the factor ≤ 2, below the largest amount only if HT is;
        // otherwise fall back to the largest representable amount rather than panicking.
        Money::from_decimal_rounded(ht.0 * factor)
            .unwrap_or(Money(Decimal::new(99_999_999_999_999, 2)))
    }
}

impl Default for VatRate {
    fn default() -> Self {
        VatRate::STANDARD
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl TryFrom<String> for VatRate {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        VatRate::parse(&value)
    }
}

impl From<VatRate> for String {
    fn from(value: VatRate) -> String {
        value.to_string()
    }
}

/// An amount stated both without tax (HT) and with tax (TTC), as on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HtTtc {
    pub ht: Money,
    pub ttc: Money,
}

impl HtTtc {
    /// The pair whose TTC is computed from the HT at `rate`: always consistent.
    pub fn from_ht(ht: Money, rate: VatRate) -> Self {
        HtTtc {
            ht,
            ttc: rate.ttc(ht),
        }
    }

    /// FIN-03: the TTC equals HT × (1 + rate) to the cent; on mismatch, the expected TTC.
    pub fn check_vat(&self, rate: VatRate) -> Result<(), Money> {
        let expected = rate.ttc(self.ht);
        if expected == self.ttc {
            Ok(())
        } else {
            Err(expected)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn fin_03_money_needs_exactly_two_decimals() {
        assert_eq!(m("1234.50").to_string(), "1234.50");
        assert_eq!(m("0.00"), Money::ZERO);
        assert_eq!(m(" 7.05 ").cents(), 705);
        for bad in [
            "1234",
            "1234.5",
            "1234.505",
            "-1.00",
            "+1.00",
            "1e3",
            "1 234.50",
            "1,50",
            ".50",
            "1.",
            "",
            "NaN",
            "1234567890123.00",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad} must be refused");
        }
        assert!(Money::parse("999999999999.99").is_ok());
    }

    #[test]
    fn fin_03_vat_to_the_cent() {
        let r = VatRate::STANDARD;
        assert_eq!(
            HtTtc {
                ht: m("1000.00"),
                ttc: m("1200.00")
            }
            .check_vat(r),
            Ok(())
        );
        assert_eq!(
            HtTtc {
                ht: m("1000.00"),
                ttc: m("1200.01")
            }
            .check_vat(r),
            Err(m("1200.00"))
        );
        // 0.01 × 1.2 = 0.012 → 0.01; 0.03 × 1.2 = 0.036 → 0.04; 0.05 × 1.2 = 0.06.
        assert_eq!(r.ttc(m("0.01")), m("0.01"));
        assert_eq!(r.ttc(m("0.03")), m("0.04"));
        // Midpoint rounds away from zero: 0.0125 is not reachable at 20 %, test at 5.5 %.
        let reduced = VatRate::parse("5.5").unwrap();
        assert_eq!(reduced.ttc(m("0.10")), m("0.11")); // 0.1055
        assert_eq!(reduced.ttc(m("100.00")), m("105.50"));
    }

    #[test]
    fn vat_rate_parse_bounds() {
        assert_eq!(VatRate::parse("20").unwrap(), VatRate::STANDARD);
        assert_eq!(VatRate::parse("20 %").unwrap(), VatRate::STANDARD);
        assert!(VatRate::parse("-1").is_err());
        assert!(VatRate::parse("101").is_err());
        assert!(VatRate::parse("vingt").is_err());
        assert_eq!(VatRate::STANDARD.to_string(), "20");
    }

    #[test]
    fn money_serde_uses_strings() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct T {
            a: Money,
        }
        let t: T = toml::from_str("a = \"12.30\"").unwrap();
        assert_eq!(t.a.cents(), 1230);
        assert_eq!(toml::to_string(&t).unwrap().trim(), "a = \"12.30\"");
        assert!(toml::from_str::<T>("a = 12.3").is_err());
        assert!(toml::from_str::<T>("a = \"12.345\"").is_err());
    }

    proptest! {
        #[test]
        fn fin_03_ttc_computed_from_ht_always_passes(cents in 0u64..100_000_000_000u64) {
            let ht = Money::from_cents(cents).unwrap();
            let pair = HtTtc::from_ht(ht, VatRate::STANDARD);
            prop_assert_eq!(pair.check_vat(VatRate::STANDARD), Ok(()));
            prop_assert!(pair.ttc >= ht);
        }

        #[test]
        fn money_display_parse_round_trips(cents in 0u64..100_000_000_000_000u64) {
            let a = Money::from_cents(cents).unwrap();
            let shown = a.to_string();
            let (_, dec) = shown.split_once('.').unwrap();
            prop_assert_eq!(dec.len(), 2);
            prop_assert_eq!(Money::parse(&shown).unwrap(), a);
            prop_assert_eq!(a.cents(), cents);
        }
    }
}
