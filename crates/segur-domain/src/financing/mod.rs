//! Financing (ASP side of a SONS): amounts, client structures, orders, payment requests and
//! Prestations. Pure data with validated constructors; the rules that apply to them are the
//! BDC, FIN and PRE families of [`crate::rules::fin`].

mod model;
mod money;
mod structure;

pub use model::{
    Amendment, Client, ClientKind, EligibilityRow, FinancingRecords, Order, OrderConditions,
    PaymentRequest, Prestation, PrestationContent, PrestationType, Pv, RequestKind, RequestStatus,
};
pub use money::{HtTtc, Money, VatRate};
pub use structure::{Rpps, Siret, StructureId};
