//! BDC, FIN, PRE — orders, financing and Prestations: the ASP side of a SONS.
//!
//! Every function checks one record (or the whole list, for unicity) and returns its findings;
//! [`check_records`] runs them all. Dates are compared as Paris civil dates against the
//! calendar in force at the date of the checked event (CAL-02, or the current calendar when
//! `cal02_calendar = "current"`).
//!
//! Choices where the texts are silent, each marked [default] in the messages' rule docs:
//! - a deadline milestone (D4, D5, D6) is the last allowed day: an event dated on D4 itself is in
//!   time, whatever time of day D4 carries, since events are dated by day
//!   ([`RuleSettings::fin_deadline_day_allowed`]);
//! - an order is "signed before referencing" when it is signed strictly before the date of the
//!   solution's referencing, or while no referencing is known;
//! - BDC-02 counts calendar days from signature to complete deposit: 120 is in time, 121 late;
//! - FIN-04: one advance and one balance request per order (corrections are avenants); a balance
//!   request needs a validated advance and a VA signed on or before its deposit, and is
//!   deposited by D6;
//! - PRE-03: a pilot VA signed on the day the ANS validated the PV is allowed.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::settings::{CalendarChoice, RuleSettings, Settings};
use super::{Diagnostic, Severity, normalise};
use crate::calendar::{Calendar, CalendarHistory, Milestone};
use crate::catalogue::DispositifCode;
use crate::financing::{
    Client, FinancingRecords, Money, Order, PaymentRequest, Prestation, PrestationType,
    RequestKind, RequestStatus, StructureId,
};
use crate::world::{World, WorldCandidature};

/// A world, its financing records, the check date and settings, with lookups.
pub struct FinContext<'a> {
    pub world: &'a World,
    pub records: FinancingRecords<'a>,
    pub at: Date,
    pub settings: &'a Settings,
    histories: BTreeMap<DispositifCode, CalendarHistory>,
    clients: BTreeMap<&'a StructureId, &'a Client>,
    orders: BTreeMap<&'a str, &'a Order>,
}

impl<'a> FinContext<'a> {
    pub fn new(
        world: &'a World,
        records: FinancingRecords<'a>,
        at: Date,
        settings: &'a Settings,
    ) -> Self {
        let mut histories = BTreeMap::new();
        for o in records.orders {
            histories
                .entry(o.dispositif.clone())
                .or_insert_with(|| super::calendar_history(world, &o.dispositif));
        }
        Self {
            world,
            records,
            at,
            settings,
            histories,
            clients: records.clients.iter().map(|c| (&c.id, c)).collect(),
            orders: records.orders.iter().map(|o| (o.id.as_str(), o)).collect(),
        }
    }

    pub fn client(&self, id: &StructureId) -> Option<&'a Client> {
        self.clients.get(id).copied()
    }

    pub fn order(&self, id: &str) -> Option<&'a Order> {
        self.orders.get(id).copied()
    }

    /// The calendar that applies to an event of `on` (CAL-02).
    fn calendar(&self, dispositif: &DispositifCode, on: Date) -> Option<&Calendar> {
        let h = self.histories.get(dispositif)?;
        match self.settings.get(dispositif).cal02_calendar {
            CalendarChoice::InForceAtEvent => h.in_force(on),
            CalendarChoice::Current => h.current(),
        }
    }

    /// The day of a milestone in the calendar that applies to an event of `on`.
    fn milestone(&self, dispositif: &DispositifCode, m: Milestone, on: Date) -> Option<Date> {
        self.calendar(dispositif, on)?.date(m).map(|d| d.date())
    }

    /// The settings of a dispositif's rules.
    pub fn rules(&self, dispositif: &DispositifCode) -> &'a RuleSettings {
        self.settings.get(dispositif)
    }

    /// `day` is past the deadline `limit` of `dispositif` (see
    /// [`RuleSettings::fin_deadline_day_allowed`]).
    fn late(&self, dispositif: &DispositifCode, day: Date, limit: Date) -> bool {
        if self.rules(dispositif).fin_deadline_day_allowed {
            day > limit
        } else {
            day >= limit
        }
    }

    /// The candidature of the order's solution: named, or the one that obtained its NRU.
    pub fn candidature(&self, order: &Order) -> Option<&'a WorldCandidature> {
        match (&order.candidature, &order.referencing) {
            (Some(id), _) => self.world.candidature(id),
            (None, Some(nru)) => self
                .world
                .candidatures
                .iter()
                .find(|c| c.candidature.obtained_nru.as_ref() == Some(nru)),
            (None, None) => None,
        }
    }

    /// Date the order's solution was referenced, if it is.
    pub fn referenced_on(&self, order: &Order) -> Option<Date> {
        let nru = order.referencing.clone().or_else(|| {
            self.candidature(order)
                .and_then(|c| c.candidature.obtained_nru.clone())
        })?;
        self.world
            .referencing(&nru)
            .map(|r| r.referencing.referenced_on)
    }

    /// Signed strictly before the referencing date, or while none is known; `None` if unsigned.
    pub fn signed_before_referencing(&self, order: &Order) -> Option<bool> {
        let signed = order.signed_on?;
        Some(self.referenced_on(order).is_none_or(|r| signed < r))
    }

    fn requests_of(&self, order_id: &str, kind: RequestKind) -> Vec<&'a PaymentRequest> {
        let mut v: Vec<&PaymentRequest> = self
            .records
            .payment_requests
            .iter()
            .filter(|r| r.order == order_id && r.kind == kind)
            .collect();
        v.sort_by(|a, b| (a.deposited_on, &a.id).cmp(&(b.deposited_on, &b.id)));
        v
    }

    /// Date the signed order was deposited: stated, or that of its first advance request.
    pub fn deposited_on(&self, order: &Order) -> Option<Date> {
        order.deposited_on.or_else(|| {
            self.requests_of(&order.id, RequestKind::Advance)
                .first()
                .map(|r| r.deposited_on)
        })
    }

    fn prestation_of(&self, order_id: &str) -> Option<&'a Prestation> {
        self.records
            .prestations
            .iter()
            .find(|p| p.order == order_id)
    }
}

fn fr(d: Date) -> String {
    d.strftime("%d/%m/%Y").to_string()
}

pub(crate) fn order_subject(o: &Order) -> String {
    format!("commande {}", o.id)
}

pub(crate) fn request_subject(r: &PaymentRequest) -> String {
    format!("demande {}", r.id)
}

pub(crate) fn prestation_subject(p: &Prestation) -> String {
    format!("prestation {}", p.order)
}

/// The subjects of the findings about one request: the request itself, its order and the
/// order's Prestation (what a request's page or simulation reports).
pub fn request_subjects(request_id: &str, order_id: &str) -> [String; 3] {
    [
        format!("demande {request_id}"),
        format!("commande {order_id}"),
        format!("prestation {order_id}"),
    ]
}

fn days_between(from: Date, to: Date) -> i64 {
    from.until((jiff::Unit::Day, to))
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// BDC — bons de commande
// ---------------------------------------------------------------------------------------------

/// BDC-01: an order is emitted on D0 at the earliest (calendar in force at emission).
pub fn bdc_01_emitted_from_d0(ctx: &FinContext, o: &Order) -> Vec<Diagnostic> {
    match ctx.milestone(&o.dispositif, Milestone::D0, o.emitted_on) {
        Some(d0) if o.emitted_on < d0 => vec![Diagnostic::new(
            "BDC-01",
            Severity::Error,
            order_subject(o),
            format!(
                "émise le {}, avant D0 ({}) : un bon de commande est émis au plus tôt à la publication de l'arrêté",
                fr(o.emitted_on),
                fr(d0)
            ),
            format!(
                "emitted on {}, before D0 ({d0}): an order is emitted on D0 at the earliest",
                o.emitted_on
            ),
        )],
        _ => vec![],
    }
}

/// BDC-03: the order escapes BDC-02 (dispositif in `bdc03_scope`, signed strictly before
/// `bdc03_cutoff`).
pub fn bdc_03_neutralised(settings: &Settings, o: &Order) -> bool {
    let rs = settings.get(&o.dispositif);
    o.signed_on.is_some_and(|s| s < rs.bdc03_cutoff)
        && rs.bdc03_scope.iter().any(|c| c == o.dispositif.as_str())
}

/// BDC-02 (with BDC-03): an order signed before referencing is signed at most
/// `bdc02_max_days` calendar days before the complete proof dossier was deemed deposited.
/// While that date is unknown the check is pending (info), unless the limit has already passed
/// at the check date (error: the deposit can no longer be in time).
pub fn bdc_02_signed_within_days_of_complete_deposit(
    ctx: &FinContext,
    o: &Order,
) -> Vec<Diagnostic> {
    let Some(signed) = o.signed_on else {
        return vec![];
    };
    if ctx.signed_before_referencing(o) != Some(true) {
        return vec![];
    }
    let rs = ctx.settings.get(&o.dispositif);
    if bdc_03_neutralised(ctx.settings, o) {
        return vec![Diagnostic::new(
            "BDC-03",
            Severity::Info,
            order_subject(o),
            format!(
                "signée le {}, avant le {} : la règle des {} jours (BDC-02) est neutralisée pour {}",
                fr(signed),
                fr(rs.bdc03_cutoff),
                rs.bdc02_max_days,
                o.dispositif
            ),
            format!(
                "signed on {signed}, before {}: the {}-day rule (BDC-02) does not apply on {}",
                rs.bdc03_cutoff, rs.bdc02_max_days, o.dispositif
            ),
        )];
    }
    let max = i64::from(rs.bdc02_max_days);
    let limit = signed
        .checked_add(jiff::Span::new().days(max))
        .unwrap_or(signed);
    let Some(cand) = ctx.candidature(o) else {
        return vec![Diagnostic::new(
            "BDC-02",
            Severity::Warning,
            order_subject(o),
            "signée avant le référencement, mais sa candidature n'est pas connue : la règle des jours ne peut être vérifiée",
            "signed before referencing, but its candidature is unknown: the day rule cannot be checked",
        )];
    };
    match cand.candidature.complete_deposit_on {
        Some(complete) => {
            let days = days_between(signed, complete);
            if days > max {
                vec![Diagnostic::new(
                    "BDC-02",
                    Severity::Error,
                    order_subject(o),
                    format!(
                        "signée le {} avant le référencement, {days} jours avant le dépôt du dossier complet ({}) : {max} jours au plus",
                        fr(signed),
                        fr(complete)
                    ),
                    format!(
                        "signed on {signed} before referencing, {days} days before the complete deposit ({complete}): at most {max} days"
                    ),
                )]
            } else {
                vec![]
            }
        }
        None if ctx.at > limit => vec![Diagnostic::new(
            "BDC-02",
            Severity::Error,
            order_subject(o),
            format!(
                "signée le {} avant le référencement ; le dossier complet de {} n'était pas déposé le {} ({max} jours après) : trop tard",
                fr(signed),
                cand.id,
                fr(limit)
            ),
            format!(
                "signed on {signed} before referencing; the complete dossier of {} was not deposited by {limit} ({max} days later): too late",
                cand.id
            ),
        )],
        None => vec![Diagnostic::new(
            "BDC-02",
            Severity::Info,
            order_subject(o),
            format!(
                "signée le {} avant le référencement : le dossier complet de {} devra être réputé déposé au plus tard le {} (vérification en attente)",
                fr(signed),
                cand.id,
                fr(limit)
            ),
            format!(
                "signed on {signed} before referencing: the complete dossier of {} must be deemed deposited by {limit} (check pending)",
                cand.id
            ),
        )],
    }
}

/// BDC-04: the order is signed, then deposited with the advance request, by D4 (the calendar
/// in force at each event; D4 itself is in time [default]). Once D4 has passed at the check
/// date, an order still unsigned or undeposited is late.
pub fn bdc_04_signed_and_deposited_by_d4(ctx: &FinContext, o: &Order) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let err = |fr_msg: String, en_msg: String| {
        Diagnostic::new("BDC-04", Severity::Error, order_subject(o), fr_msg, en_msg)
    };
    let d4_now = ctx.milestone(&o.dispositif, Milestone::D4, ctx.at);
    let deposited = ctx.deposited_on(o);
    match o.signed_on {
        Some(s) => {
            if let Some(d4) = ctx.milestone(&o.dispositif, Milestone::D4, s)
                && ctx.late(&o.dispositif, s, d4)
            {
                out.push(err(
                    format!("signée le {}, après D4 ({})", fr(s), fr(d4)),
                    format!("signed on {s}, after D4 ({d4})"),
                ));
            }
        }
        None => {
            if let Some(dep) = deposited {
                out.push(err(
                    format!("déposée le {} sans être signée", fr(dep)),
                    format!("deposited on {dep} without being signed"),
                ));
            } else if let Some(d4) = d4_now
                && ctx.late(&o.dispositif, ctx.at, d4)
            {
                out.push(err(
                    format!("non signée et D4 ({}) est passée", fr(d4)),
                    format!("not signed and D4 ({d4}) has passed"),
                ));
            }
            return out;
        }
    }
    match deposited {
        Some(dep) => {
            if let Some(d4) = ctx.milestone(&o.dispositif, Milestone::D4, dep)
                && ctx.late(&o.dispositif, dep, d4)
            {
                out.push(err(
                    format!(
                        "déposée le {} avec la demande d'avance, après D4 ({})",
                        fr(dep),
                        fr(d4)
                    ),
                    format!("deposited on {dep} with the advance request, after D4 ({d4})"),
                ));
            }
            if o.signed_on.is_some_and(|s| dep < s) {
                out.push(err(
                    format!("déposée le {} avant d'être signée", fr(dep)),
                    format!("deposited on {dep} before being signed"),
                ));
            }
        }
        None => {
            if let Some(d4) = d4_now
                && ctx.late(&o.dispositif, ctx.at, d4)
            {
                out.push(err(
                    format!("signée mais non déposée et D4 ({}) est passée", fr(d4)),
                    format!("signed but not deposited and D4 ({d4}) has passed"),
                ));
            }
        }
    }
    out
}

/// BDC-05: an order signed before referencing carries « sous condition de référencement ».
pub fn bdc_05_sous_condition_de_referencement(ctx: &FinContext, o: &Order) -> Vec<Diagnostic> {
    if ctx.signed_before_referencing(o) == Some(true) && !o.sous_condition_de_referencement {
        let signed = o.signed_on.map(fr).unwrap_or_default();
        vec![Diagnostic::new(
            "BDC-05",
            Severity::Error,
            order_subject(o),
            format!(
                "signée le {signed} avant le référencement sans la mention « sous condition de référencement »"
            ),
            "signed before referencing without the \"sous condition de référencement\" mention",
        )]
    } else {
        vec![]
    }
}

/// BDC-06: no re-engagement, paid option or other paid product; a charged catch-up update only
/// for a version the editor declared obsolete.
pub fn bdc_06_no_forbidden_conditions(o: &Order) -> Vec<Diagnostic> {
    let c = &o.conditions;
    let mut out = Vec::new();
    let mut push = |fr_msg: &str, en_msg: &str| {
        out.push(Diagnostic::new(
            "BDC-06",
            Severity::Error,
            order_subject(o),
            fr_msg,
            en_msg,
        ))
    };
    if c.reengagement {
        push(
            "prestation conditionnée à un réengagement",
            "Prestation conditioned on a re-engagement",
        );
    }
    if c.paid_option {
        push(
            "prestation conditionnée à la souscription d'une option payante",
            "Prestation conditioned on a paid option",
        );
    }
    if c.other_paid_product {
        push(
            "prestation conditionnée à la commande d'un autre produit payant",
            "Prestation conditioned on another paid product",
        );
    }
    if c.catch_up_update_charged && !c.client_version_declared_obsolete {
        push(
            "mise à jour de rattrapage facturée alors que la version du client n'a pas été déclarée obsolète",
            "catch-up update charged although the client's version was not declared obsolete",
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// FIN — financing
// ---------------------------------------------------------------------------------------------

/// FIN-01: one financed Prestation per structure and SONS. Among the signed orders of one
/// client on one dispositif, the first by signature date (then id) is kept; each later one is
/// an error naming it.
pub fn fin_01_one_prestation_per_structure(ctx: &FinContext) -> Vec<Diagnostic> {
    let mut groups: BTreeMap<(&StructureId, &DispositifCode), Vec<(Date, &Order)>> =
        BTreeMap::new();
    for o in ctx.records.orders {
        if let Some(s) = o.signed_on {
            groups
                .entry((&o.client, &o.dispositif))
                .or_default()
                .push((s, o));
        }
    }
    let mut out = Vec::new();
    for ((client, disp), mut orders) in groups {
        orders.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
        let (first_on, first) = orders[0];
        for (s, o) in &orders[1..] {
            out.push(Diagnostic::new(
                "FIN-01",
                Severity::Error,
                order_subject(o),
                format!(
                    "{client} a déjà une prestation financée sur {disp} : commande {} signée le {} (celle-ci le {})",
                    first.id,
                    fr(first_on),
                    fr(*s)
                ),
                format!(
                    "{client} already has a financed Prestation on {disp}: order {} signed on {first_on} (this one on {s})",
                    first.id
                ),
            ));
        }
    }
    out
}

/// FIN-02: "Vague 1 + Vague 2" only for a client that neither had the matching va1 SONS
/// (same dispositif family) financed nor paid its own update to a va1-referenced version.
pub fn fin_02_va1va2_eligibility(ctx: &FinContext, o: &Order) -> Vec<Diagnostic> {
    if o.prestation != PrestationType::Va1Va2 {
        return vec![];
    }
    let Some(client) = ctx.client(&o.client) else {
        return vec![];
    };
    let mut out = Vec::new();
    let family = o.dispositif.family();
    if let Some(va1) = client.va1_financed.iter().find(|d| d.family() == family) {
        out.push(Diagnostic::new(
            "FIN-02",
            Severity::Error,
            order_subject(o),
            format!(
                "prestation « Vague 1 + Vague 2 » pour {} qui a déjà bénéficié du SONS {va1} : seule la prestation « Vague 2 » est possible",
                client.id
            ),
            format!(
                "\"Vague 1 + Vague 2\" for {} which already benefited from {va1}: only \"Vague 2\" is possible",
                client.id
            ),
        ));
    }
    if client.paid_own_va1_update {
        out.push(Diagnostic::new(
            "FIN-02",
            Severity::Error,
            order_subject(o),
            format!(
                "prestation « Vague 1 + Vague 2 » pour {} qui a financé lui-même sa mise à jour vers une version référencée vague 1 : seule la prestation « Vague 2 » est possible",
                client.id
            ),
            format!(
                "\"Vague 1 + Vague 2\" for {} which paid its own update to a va1-referenced version: only \"Vague 2\" is possible",
                client.id
            ),
        ));
    }
    out
}

/// FIN-03: TTC = HT × (1 + VAT) to the cent, and amounts within the client's cap for the SONS
/// (Va1+Va2: Va2 cap plus the extra component). Amounts with other than two decimals never
/// load ([`Money::parse`]).
pub fn fin_03_amounts_and_caps(ctx: &FinContext, o: &Order) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let amounts = o.amounts();
    let vat = ctx.rules(&o.dispositif).fin03_vat_rate;
    if let Err(expected) = amounts.check_vat(vat) {
        out.push(Diagnostic::new(
            "FIN-03",
            Severity::Error,
            order_subject(o),
            format!(
                "montant TTC {} € ≠ HT {} € × (1 + {} %) = {} €",
                amounts.ttc, amounts.ht, vat, expected
            ),
            format!(
                "TTC amount {} € ≠ HT {} € × (1 + {} %) = {} €",
                amounts.ttc, amounts.ht, vat, expected
            ),
        ));
    }
    let Some(client) = ctx.client(&o.client) else {
        out.push(Diagnostic::new(
            "FIN-03",
            Severity::Warning,
            order_subject(o),
            format!("client {} inconnu : plafond non vérifiable", o.client),
            format!("unknown client {}: cap cannot be checked", o.client),
        ));
        return out;
    };
    let Some(row) = client.eligibility_for(&o.dispositif) else {
        out.push(Diagnostic::new(
            "FIN-03",
            Severity::Warning,
            order_subject(o),
            format!(
                "aucun plafond connu pour {} sur {} : montant non vérifiable",
                client.id, o.dispositif
            ),
            format!(
                "no known cap for {} on {}: amount cannot be checked",
                client.id, o.dispositif
            ),
        ));
        return out;
    };
    let extra = match o.prestation {
        PrestationType::Va2 => Money::ZERO,
        PrestationType::Va1Va2 => row.cap_va1va2_extra_ht.unwrap_or(Money::ZERO),
    };
    let label = o.prestation.label_fr();
    if let Some(cap) = row.cap_ht.checked_add(extra)
        && amounts.ht > cap
    {
        out.push(Diagnostic::new(
            "FIN-03",
            Severity::Error,
            order_subject(o),
            format!(
                "montant HT {} € au-dessus du plafond « {label} » de {} sur {} : {cap} €",
                amounts.ht, client.id, o.dispositif
            ),
            format!(
                "HT amount {} € above the \"{label}\" cap of {} on {}: {cap} €",
                amounts.ht, client.id, o.dispositif
            ),
        ));
    }
    if let Some(cap_ttc) = row.cap_ttc
        && let Some(cap) = cap_ttc.checked_add(vat.ttc(extra))
        && amounts.ttc > cap
    {
        out.push(Diagnostic::new(
            "FIN-03",
            Severity::Error,
            order_subject(o),
            format!(
                "montant TTC {} € au-dessus du plafond « {label} » de {} sur {} : {cap} €",
                amounts.ttc, client.id, o.dispositif
            ),
            format!(
                "TTC amount {} € above the \"{label}\" cap of {} on {}: {cap} €",
                amounts.ttc, client.id, o.dispositif
            ),
        ));
    }
    out
}

/// FIN-04: payment requests name a known order; one advance and one balance per order
/// (corrections are avenants); a balance needs a validated advance and a VA signed on or
/// before its deposit, and is deposited by D6; a request « à modifier » is reported with its
/// motivation.
pub fn fin_04_payment_requests(ctx: &FinContext, r: &PaymentRequest) -> Vec<Diagnostic> {
    let subj = request_subject(r);
    let diag = |sev, fr_msg: String, en_msg: String| {
        Diagnostic::new("FIN-04", sev, subj.clone(), fr_msg, en_msg)
    };
    let Some(o) = ctx.order(&r.order) else {
        return vec![diag(
            Severity::Error,
            format!(
                "{} pour une commande inconnue « {} »",
                r.kind.label_fr(),
                r.order
            ),
            format!("request for an unknown order \"{}\"", r.order),
        )];
    };
    let mut out = Vec::new();
    let same_kind = ctx.requests_of(&o.id, r.kind);
    if let Some(first) = same_kind.first()
        && first.id != r.id
    {
        out.push(diag(
            Severity::Error,
            format!(
                "deuxième {} pour la commande {} (déjà {}) : une correction se fait par avenant",
                r.kind.label_fr(),
                o.id,
                first.id
            ),
            format!(
                "second request of this kind for order {} (already {}): corrections are avenants",
                o.id, first.id
            ),
        ));
    }
    if let RequestStatus::AModifier { motivation } = &r.status {
        out.push(diag(
            Severity::Warning,
            format!("à modifier : {motivation}"),
            format!("to be modified: {motivation}"),
        ));
    }
    if r.kind == RequestKind::Balance {
        let advance_ok = ctx
            .requests_of(&o.id, RequestKind::Advance)
            .iter()
            .any(|a| a.status.is_validated());
        if !advance_ok {
            out.push(diag(
                Severity::Error,
                format!(
                    "demande de solde sans demande d'avance validée pour la commande {}",
                    o.id
                ),
                format!(
                    "balance request without a validated advance request for order {}",
                    o.id
                ),
            ));
        }
        let va = ctx.prestation_of(&o.id).and_then(|p| p.va_signed_on);
        match va {
            Some(v) if v <= r.deposited_on => {}
            Some(v) => out.push(diag(
                Severity::Error,
                format!(
                    "demande de solde déposée le {} avant la signature de la VA ({})",
                    fr(r.deposited_on),
                    fr(v)
                ),
                format!(
                    "balance request deposited on {} before the VA was signed ({v})",
                    r.deposited_on
                ),
            )),
            None => out.push(diag(
                Severity::Error,
                "demande de solde sans VA signée".to_owned(),
                "balance request without a signed VA".to_owned(),
            )),
        }
        if let Some(d6) = ctx.milestone(&o.dispositif, Milestone::D6, r.deposited_on)
            && ctx.late(&o.dispositif, r.deposited_on, d6)
        {
            out.push(diag(
                Severity::Error,
                format!(
                    "demande de solde déposée le {}, après D6 ({})",
                    fr(r.deposited_on),
                    fr(d6)
                ),
                format!(
                    "balance request deposited on {}, after D6 ({d6})",
                    r.deposited_on
                ),
            ));
        }
    }
    out
}

/// FIN-05: the editor is enrolled for payment, hence deposits requests, only once its solution
/// is referenced.
pub fn fin_05_requests_after_referencing(ctx: &FinContext, r: &PaymentRequest) -> Vec<Diagnostic> {
    let Some(o) = ctx.order(&r.order) else {
        return vec![];
    };
    match ctx.referenced_on(o) {
        Some(ref_on) if ref_on <= r.deposited_on => vec![],
        Some(ref_on) => vec![Diagnostic::new(
            "FIN-05",
            Severity::Error,
            request_subject(r),
            format!(
                "{} déposée le {}, avant le référencement de la solution ({})",
                r.kind.label_fr(),
                fr(r.deposited_on),
                fr(ref_on)
            ),
            format!(
                "request deposited on {}, before the solution was referenced ({ref_on})",
                r.deposited_on
            ),
        )],
        None => vec![Diagnostic::new(
            "FIN-05",
            Severity::Error,
            request_subject(r),
            format!(
                "{} déposée le {} alors que la solution n'est pas référencée",
                r.kind.label_fr(),
                fr(r.deposited_on)
            ),
            format!(
                "request deposited on {} while the solution is not referenced",
                r.deposited_on
            ),
        )],
    }
}

// ---------------------------------------------------------------------------------------------
// PRE — Prestations
// ---------------------------------------------------------------------------------------------

/// PRE-01: a Prestation starts once the solution is referenced and the order signed (errors);
/// ASP validation of the order (a validated advance request) is recommended (warning).
pub fn pre_01_start_conditions(ctx: &FinContext, p: &Prestation) -> Vec<Diagnostic> {
    let subj = prestation_subject(p);
    let Some(o) = ctx.order(&p.order) else {
        return vec![Diagnostic::new(
            "PRE-01",
            Severity::Error,
            subj,
            format!("commande « {} » inconnue", p.order),
            format!("unknown order \"{}\"", p.order),
        )];
    };
    let Some(start) = p.started_on else {
        return vec![];
    };
    let mut out = Vec::new();
    match ctx.referenced_on(o) {
        Some(r) if r <= start => {}
        Some(r) => out.push(Diagnostic::new(
            "PRE-01",
            Severity::Error,
            subj.clone(),
            format!(
                "débutée le {}, avant le référencement de la solution ({})",
                fr(start),
                fr(r)
            ),
            format!("started on {start}, before the solution was referenced ({r})"),
        )),
        None => out.push(Diagnostic::new(
            "PRE-01",
            Severity::Error,
            subj.clone(),
            format!(
                "débutée le {} alors que la solution n'est pas référencée",
                fr(start)
            ),
            format!("started on {start} while the solution is not referenced"),
        )),
    }
    match o.signed_on {
        Some(s) if s <= start => {}
        Some(s) => out.push(Diagnostic::new(
            "PRE-01",
            Severity::Error,
            subj.clone(),
            format!(
                "débutée le {}, avant la signature de la commande ({})",
                fr(start),
                fr(s)
            ),
            format!("started on {start}, before the order was signed ({s})"),
        )),
        None => out.push(Diagnostic::new(
            "PRE-01",
            Severity::Error,
            subj.clone(),
            format!(
                "débutée le {} alors que la commande {} n'est pas signée",
                fr(start),
                o.id
            ),
            format!("started on {start} while order {} is not signed", o.id),
        )),
    }
    let validated = ctx
        .requests_of(&o.id, RequestKind::Advance)
        .iter()
        .any(|a| a.status.is_validated());
    if !validated {
        out.push(Diagnostic::new(
            "PRE-01",
            Severity::Warning,
            subj,
            format!(
                "la commande {} n'est pas encore validée par l'ASP : il est fortement recommandé de la faire valider pour éviter un rejet",
                o.id
            ),
            format!(
                "order {} is not validated by the ASP yet: validating it first is strongly recommended",
                o.id
            ),
        ));
    }
    out
}

/// PRE-02: the Prestation ends by D5 and the VA is signed by D6 (calendar in force at each
/// event); once the milestone has passed at the check date, a started Prestation still open or
/// without VA is late.
pub fn pre_02_end_by_d5_va_by_d6(ctx: &FinContext, p: &Prestation) -> Vec<Diagnostic> {
    let Some(o) = ctx.order(&p.order) else {
        return vec![];
    };
    let subj = prestation_subject(p);
    let mut out = Vec::new();
    let mut check = |m: Milestone, event: Option<Date>, what_fr: &str, what_en: &str| {
        let (day, late_now) = match event {
            Some(e) => (e, false),
            None if p.started_on.is_some() => (ctx.at, true),
            None => return,
        };
        if let Some(limit) = ctx.milestone(&o.dispositif, m, day)
            && ctx.late(&o.dispositif, day, limit)
        {
            let (f, e) = if late_now {
                (
                    format!(
                        "{what_fr} : non fait et {} ({}) est passée",
                        m.as_str(),
                        fr(limit)
                    ),
                    format!(
                        "{what_en}: not done and {} ({limit}) has passed",
                        m.as_str()
                    ),
                )
            } else {
                (
                    format!(
                        "{what_fr} le {}, après {} ({})",
                        fr(day),
                        m.as_str(),
                        fr(limit)
                    ),
                    format!("{what_en} on {day}, after {} ({limit})", m.as_str()),
                )
            };
            out.push(Diagnostic::new(
                "PRE-02",
                Severity::Error,
                subj.clone(),
                f,
                e,
            ));
        }
    };
    check(
        Milestone::D5,
        p.ended_on,
        "fin de la prestation",
        "Prestation ended",
    );
    check(
        Milestone::D6,
        p.va_signed_on,
        "signature de la VA",
        "VA signed",
    );
    out
}

/// PRE-03: for a pilot, the VA is signed only after the ANS validated the PV (error), and an
/// observation of `pre03_observation_days` after complete installation is recommended
/// (warning).
pub fn pre_03_pilot_va_after_validated_pv(ctx: &FinContext, p: &Prestation) -> Vec<Diagnostic> {
    let (Some(pv), Some(va)) = (&p.pv, p.va_signed_on) else {
        return vec![];
    };
    if !pv.pilot {
        return vec![];
    }
    let subj = prestation_subject(p);
    let mut out = Vec::new();
    match pv.ans_validated_on {
        Some(v) if v <= va => {}
        Some(v) => out.push(Diagnostic::new(
            "PRE-03",
            Severity::Error,
            subj.clone(),
            format!(
                "pilote : VA signée le {}, avant la validation du PV par l'ANS ({})",
                fr(va),
                fr(v)
            ),
            format!("pilot: VA signed on {va}, before the ANS validated the PV ({v})"),
        )),
        None => out.push(Diagnostic::new(
            "PRE-03",
            Severity::Error,
            subj.clone(),
            format!(
                "pilote : VA signée le {} alors que le PV n'est pas validé par l'ANS",
                fr(va)
            ),
            format!("pilot: VA signed on {va} while the ANS has not validated the PV"),
        )),
    }
    if let Some(installed) = p.installed_on {
        let days = days_between(installed, va);
        let min = ctx
            .order(&p.order)
            .map_or(RuleSettings::default().pre03_observation_days, |o| {
                ctx.rules(&o.dispositif).pre03_observation_days
            });
        let min = i64::from(min);
        if days < min {
            out.push(Diagnostic::new(
                "PRE-03",
                Severity::Warning,
                subj,
                format!(
                    "pilote : VA signée {days} jours après l'installation complète ({}) ; une observation de {min} jours est préconisée",
                    fr(installed)
                ),
                format!(
                    "pilot: VA signed {days} days after complete installation ({installed}); {min} days of observation are recommended"
                ),
            ));
        }
    }
    out
}

/// PRE-04: the declared content covers rights of use and corrective maintenance (financed
/// for at most five years), installation to activation, flows, portability and training.
pub fn pre_04_content(ctx: &FinContext, p: &Prestation) -> Vec<Diagnostic> {
    let Some(c) = &p.content else {
        return vec![];
    };
    let subj = prestation_subject(p);
    let mut out = Vec::new();
    let max = ctx
        .order(&p.order)
        .map_or(RuleSettings::default().pre04_max_years, |o| {
            ctx.rules(&o.dispositif).pre04_max_years
        });
    let mut warn = |f: String, e: String| {
        out.push(Diagnostic::new(
            "PRE-04",
            Severity::Warning,
            subj.clone(),
            f,
            e,
        ))
    };
    for (years, fr_what, en_what) in [
        (
            c.rights_of_use_years,
            "droits d'utilisation",
            "rights of use",
        ),
        (
            c.corrective_maintenance_years,
            "maintenance corrective",
            "corrective maintenance",
        ),
    ] {
        if years > max {
            warn(
                format!("{fr_what} sur {years} ans : financés dans la limite de {max} ans"),
                format!("{en_what} for {years} years: financed for at most {max} years"),
            );
        }
    }
    for (present, fr_what, en_what) in [
        (
            c.installation_to_activation,
            "l'installation jusqu'à l'activation effective",
            "installation up to effective activation",
        ),
        (c.flows, "la mise en œuvre des flux", "the flows"),
        (c.portability, "la portabilité", "portability"),
        (c.training, "la formation", "training"),
    ] {
        if !present {
            warn(
                format!("la prestation doit comprendre {fr_what}"),
                format!("the Prestation must include {en_what}"),
            );
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/// Every BDC, FIN and PRE check on the world's financing lists (part of [`super::check`]).
pub fn check(world: &World, at: Date, settings: &Settings) -> Vec<Diagnostic> {
    check_records(world, world.financing(), at, settings)
}

/// Every BDC, FIN and PRE check on the given records. Sorted.
pub fn check_records(
    world: &World,
    records: FinancingRecords<'_>,
    at: Date,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let ctx = FinContext::new(world, records, at, settings);
    let mut out = Vec::new();
    let mut no_calendar: Vec<&DispositifCode> = Vec::new();
    for o in records.orders {
        if ctx
            .histories
            .get(&o.dispositif)
            .is_none_or(|h| h.versions.is_empty())
        {
            no_calendar.push(&o.dispositif);
        }
        out.extend(bdc_01_emitted_from_d0(&ctx, o));
        out.extend(bdc_02_signed_within_days_of_complete_deposit(&ctx, o));
        out.extend(bdc_04_signed_and_deposited_by_d4(&ctx, o));
        out.extend(bdc_05_sous_condition_de_referencement(&ctx, o));
        out.extend(bdc_06_no_forbidden_conditions(o));
        out.extend(fin_02_va1va2_eligibility(&ctx, o));
        out.extend(fin_03_amounts_and_caps(&ctx, o));
    }
    no_calendar.sort();
    no_calendar.dedup();
    for d in no_calendar {
        out.push(Diagnostic::new(
            "BDC-01",
            Severity::Warning,
            format!("calendrier {d}"),
            format!("aucun calendrier pour {d} : les dates des commandes ne sont pas vérifiées"),
            format!("no calendar for {d}: order dates are not checked"),
        ));
    }
    out.extend(fin_01_one_prestation_per_structure(&ctx));
    for r in records.payment_requests {
        out.extend(fin_04_payment_requests(&ctx, r));
        out.extend(fin_05_requests_after_referencing(&ctx, r));
    }
    for p in records.prestations {
        out.extend(pre_01_start_conditions(&ctx, p));
        out.extend(pre_02_end_by_d5_va_by_d6(&ctx, p));
        out.extend(pre_03_pilot_va_after_validated_pv(&ctx, p));
        out.extend(pre_04_content(&ctx, p));
    }
    normalise(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::financing::{
        ClientKind, EligibilityRow, OrderConditions, PrestationContent, Pv, VatRate,
    };
    use crate::rules::testkit::{d, disp, nru, referencing, solution, world};

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn sid(s: &str) -> StructureId {
        StructureId::parse(s).unwrap()
    }

    const FINESS: &str = "finess_et:750712184";

    /// The test world: candidature `cand` (MDV) referenced as NRU-MDV-0001 on 01/09/2026,
    /// complete deposit unknown unless a test sets it.
    fn fin_world() -> World {
        let mut w = world();
        let mut r = referencing(
            "NRU-MDV-0001",
            "MDV-LGC-Va2",
            solution("MonLPS", "5.1"),
            &[],
        );
        r.referencing.referenced_on = d(2026, 9, 1);
        w.referencings.push(r);
        w.candidatures[0].candidature.obtained_nru = Some(nru("NRU-MDV-0001"));
        w
    }

    fn with_complete(on: Date) -> World {
        let mut w = fin_world();
        w.candidatures[0].candidature.complete_deposit_on = Some(on);
        w
    }

    fn client(id: &str) -> Client {
        Client {
            id: sid(id),
            kind: ClientKind::Es,
            name: "Centre hospitalier".into(),
            eligibility: vec![EligibilityRow {
                dispositif: disp("MDV-LGC-Va2"),
                activity: None,
                cap_ht: m("10000.00"),
                cap_ttc: Some(m("12000.00")),
                cap_va1va2_extra_ht: Some(m("2000.00")),
            }],
            va1_financed: vec![],
            paid_own_va1_update: false,
        }
    }

    fn order(id: &str, signed: Option<Date>) -> Order {
        Order {
            id: id.into(),
            client: sid(FINESS),
            editor: "ed".into(),
            dispositif: disp("MDV-LGC-Va2"),
            referencing: None,
            candidature: Some("cand".into()),
            sous_condition_de_referencement: true,
            prestation: PrestationType::Va2,
            emitted_on: d(2026, 1, 5),
            signed_on: signed,
            deposited_on: None,
            amount_ht: m("1000.00"),
            amount_ttc: m("1200.00"),
            conditions: OrderConditions::default(),
        }
    }

    fn request(
        id: &str,
        order: &str,
        kind: RequestKind,
        status: RequestStatus,
        on: Date,
    ) -> PaymentRequest {
        PaymentRequest {
            id: id.into(),
            order: order.into(),
            kind,
            status,
            deposited_on: on,
            amendments: vec![],
        }
    }

    fn prestation(order: &str) -> Prestation {
        Prestation {
            order: order.into(),
            started_on: None,
            installed_on: None,
            pv: None,
            va_signed_on: None,
            ended_on: None,
            content: None,
        }
    }

    #[derive(Default)]
    struct Recs {
        clients: Vec<Client>,
        orders: Vec<Order>,
        requests: Vec<PaymentRequest>,
        prestations: Vec<Prestation>,
    }

    impl Recs {
        fn orders(orders: Vec<Order>) -> Self {
            Recs {
                clients: vec![client(FINESS)],
                orders,
                ..Recs::default()
            }
        }

        fn run(&self, w: &World, at: Date) -> Vec<Diagnostic> {
            check_records(
                w,
                FinancingRecords {
                    clients: &self.clients,
                    orders: &self.orders,
                    payment_requests: &self.requests,
                    prestations: &self.prestations,
                },
                at,
                &Settings::default(),
            )
        }
    }

    fn only<'a>(diags: &'a [Diagnostic], rule: &str) -> Vec<&'a Diagnostic> {
        diags.iter().filter(|d| d.rule == rule).collect()
    }

    fn errors<'a>(diags: &'a [Diagnostic], rule: &str) -> Vec<&'a Diagnostic> {
        diags
            .iter()
            .filter(|d| d.rule == rule && d.is_error())
            .collect()
    }

    const AT: Date = jiff::civil::date(2026, 10, 1);

    #[test]
    fn bdc_01_order_emitted_on_d0_ok_day_before_refused() {
        let mut on_d0 = order("BC-1", None);
        on_d0.emitted_on = d(2025, 4, 30);
        let mut before = order("BC-2", None);
        before.emitted_on = d(2025, 4, 29);
        let diags = Recs::orders(vec![on_d0, before]).run(&fin_world(), AT);
        let e = errors(&diags, "BDC-01");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert_eq!(e[0].subject, "commande BC-2");
    }

    #[test]
    fn bdc_02_120_days_ok_121_days_refused() {
        // Signed 01/05/2026 (after the BDC-03 cutoff), before referencing (01/09/2026).
        let signed = d(2026, 5, 1);
        let w120 = with_complete(d(2026, 8, 29));
        assert_eq!(days_between(signed, d(2026, 8, 29)), 120);
        let recs = Recs::orders(vec![order("BC-1", Some(signed))]);
        assert!(only(&recs.run(&w120, AT), "BDC-02").is_empty());
        let w121 = with_complete(d(2026, 8, 30));
        let diags = recs.run(&w121, AT);
        let e = errors(&diags, "BDC-02");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert!(e[0].message_fr.contains("121 jours"), "{}", e[0].message_fr);
    }

    #[test]
    fn bdc_02_pending_until_complete_deposit_then_late() {
        let recs = Recs::orders(vec![order("BC-1", Some(d(2026, 5, 1)))]);
        // Limit 29/08/2026: on that day the check is still pending.
        let pending = recs.run(&fin_world(), d(2026, 8, 29));
        let b = only(&pending, "BDC-02");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].severity, Severity::Info);
        assert!(
            b[0].message_fr.contains("29/08/2026"),
            "{}",
            b[0].message_fr
        );
        let late = recs.run(&fin_world(), d(2026, 8, 30));
        assert_eq!(errors(&late, "BDC-02").len(), 1, "{late:#?}");
    }

    #[test]
    fn bdc_02_does_not_apply_to_orders_signed_once_referenced() {
        let w = with_complete(d(2026, 1, 2));
        let diags = Recs::orders(vec![order("BC-1", Some(d(2026, 9, 1)))]).run(&w, AT);
        assert!(only(&diags, "BDC-02").is_empty(), "{diags:#?}");
        assert!(only(&diags, "BDC-05").is_empty(), "{diags:#?}");
    }

    #[test]
    fn bdc_03_signed_14_april_2026_exempt_15_april_checked() {
        let w = with_complete(d(2026, 8, 31));
        let diags = Recs::orders(vec![
            order("BC-14", Some(d(2026, 4, 14))),
            order("BC-15", Some(d(2026, 4, 15))),
        ])
        .run(&w, AT);
        let e = errors(&diags, "BDC-02");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert_eq!(e[0].subject, "commande BC-15");
        let info = only(&diags, "BDC-03");
        assert_eq!(info.len(), 1);
        assert_eq!(info[0].subject, "commande BC-14");
        assert_eq!(info[0].severity, Severity::Info);
    }

    #[test]
    fn bdc_03_scope_is_mdv_only_by_default() {
        let w = with_complete(d(2026, 12, 1));
        let mut hop = order("BC-HOP", Some(d(2026, 4, 14)));
        hop.dispositif = disp("HOP-DPI-Va2");
        let diags = Recs::orders(vec![hop]).run(&w, AT);
        assert_eq!(errors(&diags, "BDC-02").len(), 1, "{diags:#?}");
        assert!(only(&diags, "BDC-03").is_empty());
        // No HOP calendar: said once, not silently skipped.
        assert_eq!(only(&diags, "BDC-01").len(), 1);
    }

    #[test]
    fn bdc_04_d4_itself_is_the_last_allowed_day() {
        // Amended calendar (in force from 11/06/2026): D4 = 16/07/2027.
        let mut on_d4 = order("BC-1", Some(d(2027, 7, 16)));
        on_d4.deposited_on = Some(d(2027, 7, 16));
        let mut signed_late = order("BC-2", Some(d(2027, 7, 17)));
        signed_late.deposited_on = Some(d(2027, 7, 17));
        let mut deposited_late = order("BC-3", Some(d(2027, 7, 16)));
        deposited_late.deposited_on = Some(d(2027, 7, 17));
        let mut clients = vec![client(FINESS)];
        for (i, o) in [&mut on_d4, &mut signed_late, &mut deposited_late]
            .into_iter()
            .enumerate()
        {
            let id = [
                "finess_et:750712184",
                "finess_et:750712185",
                "finess_et:750712186",
            ][i];
            o.client = sid(id);
            clients.push(client(id));
        }
        let recs = Recs {
            clients,
            orders: vec![on_d4, signed_late, deposited_late],
            ..Recs::default()
        };
        let diags = recs.run(&with_complete(d(2027, 1, 10)), d(2027, 8, 1));
        let subjects: Vec<&str> = errors(&diags, "BDC-04")
            .iter()
            .map(|d| d.subject.as_str())
            .collect();
        assert_eq!(
            subjects,
            vec!["commande BC-2", "commande BC-2", "commande BC-3"],
            "{diags:#?}"
        );
    }

    #[test]
    fn bdc_04_uses_the_calendar_in_force_at_signature_cal_02() {
        // 17/12/2026 is after the original D4 (16/12/2026) but the amended calendar, in force
        // since 11/06/2026, moved D4 to 16/07/2027.
        let mut o = order("BC-1", Some(d(2026, 12, 17)));
        o.deposited_on = Some(d(2026, 12, 18));
        let diags = Recs::orders(vec![o]).run(&fin_world(), d(2027, 1, 1));
        assert!(errors(&diags, "BDC-04").is_empty(), "{diags:#?}");
    }

    #[test]
    fn bdc_04_unsigned_or_undeposited_after_d4_is_late() {
        let unsigned = order("BC-1", None);
        let mut undeposited = order("BC-2", Some(d(2027, 7, 1)));
        undeposited.client = sid("finess_ej:750712184");
        let recs = Recs::orders(vec![unsigned, undeposited]);
        assert!(errors(&recs.run(&fin_world(), d(2027, 7, 16)), "BDC-04").is_empty());
        let diags = recs.run(&fin_world(), d(2027, 7, 17));
        assert_eq!(errors(&diags, "BDC-04").len(), 2, "{diags:#?}");
        // The advance request counts as the deposit.
        let mut recs = recs;
        recs.requests.push(request(
            "DA-2",
            "BC-2",
            RequestKind::Advance,
            RequestStatus::Deposited,
            d(2027, 7, 2),
        ));
        let diags = recs.run(&fin_world(), d(2027, 7, 17));
        assert_eq!(errors(&diags, "BDC-04").len(), 1, "{diags:#?}");
        // An advance request for an unsigned order: deposited without signature.
        recs.requests[0].order = "BC-1".into();
        let diags = recs.run(&fin_world(), d(2027, 7, 1));
        let e = errors(&diags, "BDC-04");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert!(e[0].message_fr.contains("sans être signée"));
    }

    #[test]
    fn bdc_05_order_signed_before_referencing_needs_the_mention() {
        let w = with_complete(d(2026, 8, 1));
        let mut without = order("BC-1", Some(d(2026, 6, 1)));
        without.sous_condition_de_referencement = false;
        let mut after = order("BC-2", Some(d(2026, 9, 1)));
        after.client = sid("finess_ej:750712184");
        after.sous_condition_de_referencement = false;
        let diags = Recs::orders(vec![without, after]).run(&w, AT);
        let e = errors(&diags, "BDC-05");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert_eq!(e[0].subject, "commande BC-1");
    }

    #[test]
    fn bdc_06_forbidden_conditions_and_obsolete_catch_up() {
        let mut o = order("BC-1", None);
        o.conditions = OrderConditions {
            reengagement: true,
            paid_option: true,
            other_paid_product: true,
            catch_up_update_charged: true,
            client_version_declared_obsolete: false,
        };
        assert_eq!(bdc_06_no_forbidden_conditions(&o).len(), 4);
        o.conditions = OrderConditions {
            catch_up_update_charged: true,
            client_version_declared_obsolete: true,
            ..OrderConditions::default()
        };
        assert!(bdc_06_no_forbidden_conditions(&o).is_empty());
    }

    #[test]
    fn fin_01_second_order_for_one_structure_and_sons_is_refused_deterministically() {
        let w = with_complete(d(2026, 8, 1));
        let a = order("BC-A", Some(d(2026, 6, 2)));
        let b = order("BC-B", Some(d(2026, 6, 1)));
        let mut other_sons = order("BC-C", Some(d(2026, 6, 3)));
        other_sons.dispositif = disp("HOP-DPI-Va2");
        let unsigned = order("BC-D", None);
        let run = |orders| Recs::orders(orders).run(&w, AT);
        let one = run(vec![
            a.clone(),
            b.clone(),
            other_sons.clone(),
            unsigned.clone(),
        ]);
        let two = run(vec![unsigned, other_sons, b, a]);
        assert_eq!(one, two, "independent of the list order");
        let e = errors(&one, "FIN-01");
        assert_eq!(e.len(), 1, "{one:#?}");
        assert_eq!(e[0].subject, "commande BC-A");
        assert!(e[0].message_fr.contains("BC-B"));
    }

    #[test]
    fn fin_02_va1va2_only_without_va1_history() {
        let w = with_complete(d(2026, 8, 1));
        let mut o = order("BC-1", Some(d(2026, 6, 1)));
        o.prestation = PrestationType::Va1Va2;
        o.amount_ht = m("11000.00");
        o.amount_ttc = m("13200.00");
        let mut recs = Recs::orders(vec![o]);
        assert!(only(&recs.run(&w, AT), "FIN-02").is_empty());
        recs.clients[0].va1_financed = vec![disp("MDV-LGC-Va1")];
        assert_eq!(errors(&recs.run(&w, AT), "FIN-02").len(), 1);
        recs.clients[0].va1_financed = vec![disp("HOP-DPI-Va1")];
        assert!(only(&recs.run(&w, AT), "FIN-02").is_empty(), "other family");
        recs.clients[0].paid_own_va1_update = true;
        assert_eq!(errors(&recs.run(&w, AT), "FIN-02").len(), 1);
    }

    #[test]
    fn fin_03_ttc_to_the_cent() {
        let w = with_complete(d(2026, 8, 1));
        let mut o = order("BC-1", Some(d(2026, 6, 1)));
        let recs = Recs::orders(vec![o.clone()]);
        assert!(only(&recs.run(&w, AT), "FIN-03").is_empty());
        o.amount_ttc = m("1200.01");
        let diags = Recs::orders(vec![o]).run(&w, AT);
        let e = errors(&diags, "FIN-03");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert!(e[0].message_fr.contains("1200.00"), "{}", e[0].message_fr);
    }

    #[test]
    fn fin_03_vat_rate_is_a_per_dispositif_setting() {
        let w = with_complete(d(2026, 8, 1));
        let mut o = order("BC-1", Some(d(2026, 6, 1)));
        o.amount_ttc = m("1100.00");
        let recs = Recs::orders(vec![o.clone()]);
        let run = |settings: &Settings| {
            check_records(
                &w,
                FinancingRecords {
                    clients: &recs.clients,
                    orders: &recs.orders,
                    ..FinancingRecords::default()
                },
                AT,
                settings,
            )
        };
        assert_eq!(errors(&run(&Settings::default()), "FIN-03").len(), 1);
        let ten_percent = RuleSettings {
            fin03_vat_rate: VatRate::parse("10").unwrap(),
            ..RuleSettings::default()
        };
        let settings: Settings = serde_json::from_value(serde_json::json!({
            "per_dispositif": { o.dispositif.to_string(): { "fin03_vat_rate": "10" } }
        }))
        .unwrap();
        assert_eq!(
            settings.get(&o.dispositif).fin03_vat_rate,
            ten_percent.fin03_vat_rate
        );
        let diags = run(&settings);
        assert!(errors(&diags, "FIN-03").is_empty(), "{diags:#?}");
    }

    #[test]
    fn fin_03_caps_va2_and_va1va2_extra() {
        let w = with_complete(d(2026, 8, 1));
        let mut at_cap = order("BC-1", Some(d(2026, 6, 1)));
        at_cap.amount_ht = m("10000.00");
        at_cap.amount_ttc = m("12000.00");
        assert!(only(&Recs::orders(vec![at_cap.clone()]).run(&w, AT), "FIN-03").is_empty());
        let mut over = at_cap.clone();
        over.amount_ht = m("10000.01");
        over.amount_ttc = m("12000.01");
        let diags = Recs::orders(vec![over.clone()]).run(&w, AT);
        assert_eq!(errors(&diags, "FIN-03").len(), 2, "HT and TTC: {diags:#?}");
        // The same amount is within the Va1+Va2 cap (10 000 + 2 000 HT).
        over.prestation = PrestationType::Va1Va2;
        assert!(only(&Recs::orders(vec![over.clone()]).run(&w, AT), "FIN-03").is_empty());
        over.amount_ht = m("12000.01");
        over.amount_ttc = m("14400.01");
        assert_eq!(
            errors(&Recs::orders(vec![over]).run(&w, AT), "FIN-03").len(),
            2
        );
    }

    #[test]
    fn fin_03_unknown_client_or_cap_is_a_warning() {
        let w = with_complete(d(2026, 8, 1));
        let mut recs = Recs::orders(vec![order("BC-1", Some(d(2026, 6, 1)))]);
        recs.clients[0].eligibility.clear();
        let diags = recs.run(&w, AT);
        let f = only(&diags, "FIN-03");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        recs.clients.clear();
        let diags = recs.run(&w, AT);
        assert!(only(&diags, "FIN-03")[0].message_fr.contains("inconnu"));
    }

    fn paid_world_recs() -> (World, Recs) {
        let w = with_complete(d(2026, 8, 1));
        let mut o = order("BC-1", Some(d(2026, 6, 1)));
        o.deposited_on = Some(d(2026, 9, 2));
        let mut recs = Recs::orders(vec![o]);
        recs.requests.push(request(
            "DA-1",
            "BC-1",
            RequestKind::Advance,
            RequestStatus::Validated,
            d(2026, 9, 2),
        ));
        let mut p = prestation("BC-1");
        p.started_on = Some(d(2026, 9, 10));
        p.installed_on = Some(d(2026, 10, 1));
        p.ended_on = Some(d(2026, 11, 1));
        p.va_signed_on = Some(d(2026, 11, 15));
        recs.prestations.push(p);
        recs.requests.push(request(
            "DS-1",
            "BC-1",
            RequestKind::Balance,
            RequestStatus::Deposited,
            d(2026, 11, 20),
        ));
        (w, recs)
    }

    #[test]
    fn fin_04_complete_file_is_clean() {
        let (w, recs) = paid_world_recs();
        let diags = recs.run(&w, d(2026, 12, 1));
        assert!(
            diags
                .iter()
                .all(|d| !d.is_error() && d.severity != Severity::Warning),
            "{diags:#?}"
        );
    }

    #[test]
    fn fin_04_balance_needs_validated_advance_and_signed_va() {
        let (w, mut recs) = paid_world_recs();
        recs.requests[0].status = RequestStatus::AModifier {
            motivation: "RIB illisible".into(),
        };
        recs.prestations[0].va_signed_on = Some(d(2026, 11, 21));
        let diags = recs.run(&w, d(2026, 12, 1));
        let f: Vec<_> = only(&diags, "FIN-04");
        assert_eq!(f.iter().filter(|d| d.is_error()).count(), 2, "{diags:#?}");
        assert!(
            f.iter()
                .any(|d| d.severity == Severity::Warning && d.message_fr.contains("RIB illisible"))
        );
        recs.prestations[0].va_signed_on = None;
        let diags = recs.run(&w, d(2026, 12, 1));
        assert!(
            errors(&diags, "FIN-04")
                .iter()
                .any(|d| d.message_fr.contains("sans VA"))
        );
    }

    #[test]
    fn fin_04_one_request_of_each_kind_and_known_order() {
        let (w, mut recs) = paid_world_recs();
        recs.requests.push(request(
            "DA-2",
            "BC-1",
            RequestKind::Advance,
            RequestStatus::Deposited,
            d(2026, 9, 3),
        ));
        recs.requests.push(request(
            "DA-X",
            "BC-404",
            RequestKind::Advance,
            RequestStatus::Deposited,
            d(2026, 9, 3),
        ));
        let diags = recs.run(&w, d(2026, 12, 1));
        let subjects: Vec<&str> = errors(&diags, "FIN-04")
            .iter()
            .map(|d| d.subject.as_str())
            .collect();
        assert_eq!(subjects, vec!["demande DA-2", "demande DA-X"], "{diags:#?}");
    }

    #[test]
    fn fin_04_balance_deposited_after_d6_is_late() {
        let (w, mut recs) = paid_world_recs();
        recs.requests[1].deposited_on = d(2028, 4, 14);
        let diags = recs.run(&w, d(2028, 5, 1));
        assert_eq!(errors(&diags, "FIN-04").len(), 1, "{diags:#?}");
        recs.requests[1].deposited_on = d(2028, 4, 13);
        assert!(errors(&recs.run(&w, d(2028, 5, 1)), "FIN-04").is_empty());
    }

    #[test]
    fn fin_05_request_before_referencing_is_refused() {
        let (w, mut recs) = paid_world_recs();
        recs.requests[0].deposited_on = d(2026, 8, 31);
        let diags = recs.run(&w, d(2026, 12, 1));
        let e = errors(&diags, "FIN-05");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert_eq!(e[0].subject, "demande DA-1");
        // Referenced on the deposit day: allowed.
        recs.requests[0].deposited_on = d(2026, 9, 1);
        assert!(only(&recs.run(&w, d(2026, 12, 1)), "FIN-05").is_empty());
    }

    #[test]
    fn pre_01_start_needs_referencing_and_signed_order() {
        let (w, mut recs) = paid_world_recs();
        recs.prestations[0].started_on = Some(d(2026, 8, 31));
        let diags = recs.run(&w, d(2026, 12, 1));
        let e = errors(&diags, "PRE-01");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert!(e[0].message_fr.contains("référencement"));
        recs.orders[0].signed_on = Some(d(2026, 9, 1));
        recs.prestations[0].started_on = Some(d(2026, 9, 1));
        assert!(errors(&recs.run(&w, d(2026, 12, 1)), "PRE-01").is_empty());
        recs.orders[0].signed_on = None;
        assert_eq!(errors(&recs.run(&w, d(2026, 12, 1)), "PRE-01").len(), 1);
        recs.prestations[0].order = "BC-404".into();
        assert!(
            errors(&recs.run(&w, d(2026, 12, 1)), "PRE-01")
                .iter()
                .any(|d| d.message_fr.contains("inconnue"))
        );
    }

    #[test]
    fn pre_01_warns_while_the_asp_has_not_validated_the_order() {
        let (w, mut recs) = paid_world_recs();
        assert!(only(&recs.run(&w, d(2026, 12, 1)), "PRE-01").is_empty());
        recs.requests[0].status = RequestStatus::Deposited;
        let diags = recs.run(&w, d(2026, 12, 1));
        let p = only(&diags, "PRE-01");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].severity, Severity::Warning);
    }

    #[test]
    fn pre_02_end_by_d5_and_va_by_d6() {
        let (w, mut recs) = paid_world_recs();
        recs.requests.truncate(1);
        // D5 = 20/01/2028, D6 = 13/04/2028 (amended calendar).
        recs.prestations[0].ended_on = Some(d(2028, 1, 20));
        recs.prestations[0].va_signed_on = Some(d(2028, 4, 13));
        assert!(only(&recs.run(&w, d(2028, 5, 1)), "PRE-02").is_empty());
        recs.prestations[0].ended_on = Some(d(2028, 1, 21));
        recs.prestations[0].va_signed_on = Some(d(2028, 4, 14));
        assert_eq!(errors(&recs.run(&w, d(2028, 5, 1)), "PRE-02").len(), 2);
        recs.prestations[0].ended_on = None;
        recs.prestations[0].va_signed_on = None;
        assert!(errors(&recs.run(&w, d(2028, 1, 20)), "PRE-02").is_empty());
        let diags = recs.run(&w, d(2028, 1, 21));
        let e = errors(&diags, "PRE-02");
        assert_eq!(e.len(), 1, "{diags:#?}");
        assert!(e[0].message_fr.contains("D5"));
    }

    #[test]
    fn pre_03_pilot_va_only_after_the_ans_validated_the_pv() {
        let (w, mut recs) = paid_world_recs();
        // Installed 01/10/2026, VA 15/11/2026.
        recs.prestations[0].pv = Some(Pv {
            signed_on: d(2026, 10, 20),
            pilot: true,
            ans_validated_on: Some(d(2026, 11, 16)),
        });
        let diags = recs.run(&w, d(2026, 12, 1));
        assert_eq!(errors(&diags, "PRE-03").len(), 1, "{diags:#?}");
        recs.prestations[0].pv.as_mut().unwrap().ans_validated_on = Some(d(2026, 11, 15));
        assert!(only(&recs.run(&w, d(2026, 12, 1)), "PRE-03").is_empty());
        recs.prestations[0].pv.as_mut().unwrap().ans_validated_on = None;
        assert_eq!(errors(&recs.run(&w, d(2026, 12, 1)), "PRE-03").len(), 1);
        // Not a pilot: no ANS validation needed.
        recs.prestations[0].pv.as_mut().unwrap().pilot = false;
        assert!(only(&recs.run(&w, d(2026, 12, 1)), "PRE-03").is_empty());
    }

    #[test]
    fn pre_03_observation_of_14_days_recommended() {
        let (w, mut recs) = paid_world_recs();
        recs.prestations[0].pv = Some(Pv {
            signed_on: d(2026, 10, 20),
            pilot: true,
            ans_validated_on: Some(d(2026, 10, 25)),
        });
        recs.prestations[0].installed_on = Some(d(2026, 11, 1));
        // VA 15/11/2026: 14 days after installation.
        assert!(only(&recs.run(&w, d(2026, 12, 1)), "PRE-03").is_empty());
        recs.prestations[0].installed_on = Some(d(2026, 11, 2));
        let diags = recs.run(&w, d(2026, 12, 1));
        let p = only(&diags, "PRE-03");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].severity, Severity::Warning);
        assert!(p[0].message_fr.contains("13 jours"), "{}", p[0].message_fr);
    }

    #[test]
    fn pre_04_content_within_five_years_and_complete() {
        let (w, mut recs) = paid_world_recs();
        let full = PrestationContent {
            rights_of_use_years: 5,
            corrective_maintenance_years: 5,
            installation_to_activation: true,
            flows: true,
            portability: true,
            training: true,
        };
        recs.prestations[0].content = Some(full);
        assert!(only(&recs.run(&w, d(2026, 12, 1)), "PRE-04").is_empty());
        recs.prestations[0].content = Some(PrestationContent {
            rights_of_use_years: 6,
            training: false,
            ..full
        });
        let diags = recs.run(&w, d(2026, 12, 1));
        let p = only(&diags, "PRE-04");
        assert_eq!(p.len(), 2, "{diags:#?}");
        assert!(p.iter().all(|d| d.severity == Severity::Warning));
    }

    proptest::proptest! {
        /// BDC-02 on any signature after the BDC-03 cutoff: an error exactly when the complete
        /// deposit comes more than 120 days later.
        #[test]
        fn bdc_02_error_iff_more_than_120_days(offset in 0i64..120, gap in 0i64..300) {
            let signed = d(2026, 4, 15).checked_add(jiff::Span::new().days(offset)).unwrap();
            let complete = signed.checked_add(jiff::Span::new().days(gap)).unwrap();
            let diags = Recs::orders(vec![order("BC-1", Some(signed))])
                .run(&with_complete(complete), AT);
            proptest::prop_assert_eq!(errors(&diags, "BDC-02").len(), usize::from(gap > 120));
        }
    }

    #[test]
    fn bdc_04_calendar_in_force_at_the_event_or_current_cal_02() {
        // An amendment published on 01/10/2026 brings D4 forward to 31/08/2026. An order signed
        // and deposited in September was in time under the calendar then in force [default];
        // judged against the current calendar, it is late.
        use crate::rules::testkit::calendar;
        let mut w = fin_world();
        w.calendars = vec![
            calendar(
                "MDV-LGC-Va2",
                "Arrêté initial",
                d(2025, 4, 30),
                &[(Milestone::D0, "2025-04-30"), (Milestone::D4, "2026-12-16")],
            ),
            calendar(
                "MDV-LGC-Va2",
                "Arrêté modificatif",
                d(2026, 10, 1),
                &[(Milestone::D0, "2025-04-30"), (Milestone::D4, "2026-08-31")],
            ),
        ];
        let mut o = order("BC-1", Some(d(2026, 9, 15)));
        o.deposited_on = Some(d(2026, 9, 16));
        let recs = Recs::orders(vec![o]);
        let at = d(2026, 10, 5);
        assert!(errors(&recs.run(&w, at), "BDC-04").is_empty());
        let mut settings = Settings::default();
        settings.defaults.cal02_calendar = CalendarChoice::Current;
        for rs in settings.per_dispositif.values_mut() {
            rs.cal02_calendar = CalendarChoice::Current;
        }
        let diags = check_records(
            &w,
            FinancingRecords {
                clients: &recs.clients,
                orders: &recs.orders,
                ..FinancingRecords::default()
            },
            at,
            &settings,
        );
        assert_eq!(errors(&diags, "BDC-04").len(), 2, "{diags:#?}");
    }

    #[test]
    fn fin_diagnostics_cite_known_rules_and_are_sorted() {
        let (w, mut recs) = paid_world_recs();
        recs.orders[0].amount_ttc = m("1.00");
        recs.orders.push(order("BC-0", Some(d(2026, 5, 1))));
        let diags = recs.run(&w, d(2026, 12, 1));
        assert!(!diags.is_empty());
        for d in &diags {
            assert!(
                crate::rules::rule(&d.rule).is_some(),
                "{} not in catalogue",
                d.rule
            );
        }
        let mut sorted = diags.clone();
        sorted.sort();
        assert_eq!(sorted, diags);
    }
}
