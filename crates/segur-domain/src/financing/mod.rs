//! Financing (ASP side of a SONS): amounts, client structures, orders, payment requests and
//! Prestations. Pure data with validated constructors; the rules that apply to them are the
//! BDC, FIN and PRE families of [`crate::rules::fin`].
//!
//! In a world file these are four optional top-level lists. Amounts are quoted strings with
//! exactly two decimals, so that no float ever touches a euro:
//!
//! ```
//! use segur_domain::financing::{Order, PrestationType, VatRate};
//!
//! let order: Order = toml::from_str(r#"
//!     id = "BC-001"
//!     client = "finess_et:750712184"
//!     editor = "ed-hopital"
//!     dispositif = "HOP-DPI-Va2"
//!     referencing = "NRU-HOP-2025-0077"
//!     prestation = "va2"
//!     emitted_on = "2025-11-25"
//!     signed_on = "2025-12-01"
//!     amount_ht = "1000.00"
//!     amount_ttc = "1200.00"
//! "#).unwrap();
//! assert_eq!(order.prestation, PrestationType::Va2);
//! assert_eq!(order.amounts().check_vat(VatRate::STANDARD), Ok(()));
//! ```

pub mod eligibility;
mod model;
mod money;
pub mod request;
mod structure;

pub use model::{
    Amendment, Client, ClientKind, EligibilityRow, FinancingRecords, Order, OrderConditions,
    PaymentRequest, Prestation, PrestationContent, PrestationType, Pv, RequestDecision,
    RequestKind, RequestStatus, TransitionRefused,
};
pub use money::{HtTtc, Money, VatRate};
pub use structure::{Rpps, Siret, StructureId};
