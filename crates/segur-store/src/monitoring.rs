//! Cross-tenant figures for the ANS's monitoring of the *plan de sécurisation* (DEP-01,
//! DEP-02) and of the instruction (decision events). Every count is aggregated in SQL (one row
//! per candidature, per day or per month, never one per deposit), so that the report stays
//! fast with tens of thousands of candidatures; the domain (`segur_domain::monitoring`) turns
//! the counts into figures.
//!
//! Reached only through [`SystemStore`], which the server hands out to the ANS
//! (`access::ans_monitoring_desk`).

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use segur_domain::catalogue::Profile;
use segur_domain::events::DomainEvent;
use segur_domain::monitoring::{
    CandidatureCounts, CheckpointCounts, DailyDecisions, DailyDeposits, DecisionKind,
    DecisionRecord, Month, MonthlyDeposits,
};
use sqlx::Row;

use crate::records::AuditEntry;
use crate::util::{parse_date, stored};
use crate::{StoreError, SystemStore, audit};

/// Deposits counted as deposited (DEP-01 unit), with the catalogue item they are for, limited
/// to the candidature's applicable profiles (Général = `$1`, LIF-03).
macro_rules! applicable_deposits {
    () => {
        concat!(
            "FROM proof_deposits d ",
            "JOIN candidatures c ON c.id = d.candidature_id AND c.organisation_id = d.organisation_id ",
            "JOIN proof_items pi ON pi.dispositif = c.dispositif AND pi.rem_version = c.rem_version ",
            "AND pi.requirement_id = d.requirement_id AND pi.scenario = d.scenario AND pi.proof = d.proof ",
            "WHERE d.status IN ('deposited', 'under_review', 'validated', 'complement_requested', 'rejected') ",
            "AND (pi.profile = $1 OR EXISTS (SELECT 1 FROM candidature_profiles cp ",
            "WHERE cp.candidature_id = d.candidature_id AND cp.profile = pi.profile)) "
        )
    };
}

/// The decision event kinds, as an SQL list.
macro_rules! decision_kinds {
    () => {
        "('proof.validated', 'proof.rejected', 'complement.requested')"
    };
}

fn count(row: &sqlx::any::AnyRow, column: &str) -> Result<u64, StoreError> {
    let n: i64 = row.try_get(column)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

impl SystemStore {
    /// Every candidature with its deposit counts (DEP-01, DEP-02). `checkpoints` gives the
    /// DEP-01 checkpoint of each dispositif that has one; deposits dated on or before it are
    /// counted in the `*_by_checkpoint` figures.
    pub async fn monitoring_counts(
        &self,
        checkpoints: &BTreeMap<String, Date>,
    ) -> Result<Vec<CandidatureCounts>, StoreError> {
        let pool = self.store().pool();
        // Items of each REM version per profile and wave: a few hundred rows.
        self.store().tick();
        let rows = sqlx::query(
            "SELECT dispositif, rem_version, profile, wave_origin, COUNT(*) AS n FROM proof_items \
             GROUP BY dispositif, rem_version, profile, wave_origin",
        )
        .fetch_all(pool)
        .await?;
        let mut catalogue: HashMap<(String, String, String), (u64, u64)> = HashMap::new();
        for r in &rows {
            let key = (
                r.try_get::<String, _>("dispositif")?,
                r.try_get::<String, _>("rem_version")?,
                r.try_get::<String, _>("profile")?,
            );
            let wave: String = r.try_get("wave_origin")?;
            let e = catalogue.entry(key).or_default();
            if wave == "Va1" {
                e.0 += count(r, "n")?;
            } else {
                e.1 += count(r, "n")?;
            }
        }

        self.store().tick();
        let rows = sqlx::query("SELECT candidature_id, profile FROM candidature_profiles")
            .fetch_all(pool)
            .await?;
        let mut profiles: HashMap<String, Vec<String>> = HashMap::new();
        for r in &rows {
            profiles
                .entry(r.try_get("candidature_id")?)
                .or_default()
                .push(r.try_get("profile")?);
        }

        // The checkpoint of each deposit's dispositif, as a CASE over the few dispositifs.
        let mut checkpoint_sql = String::from("CASE c.dispositif");
        let mut binds: Vec<String> = Vec::new();
        for (i, (dispositif, date)) in checkpoints.iter().enumerate() {
            checkpoint_sql.push_str(&format!(" WHEN ${} THEN ${}", 2 + 2 * i, 3 + 2 * i));
            binds.push(dispositif.clone());
            binds.push(date.to_string());
        }
        checkpoint_sql.push_str(" ELSE '' END");
        if checkpoints.is_empty() {
            // A CASE needs one WHEN: without checkpoints, none applies.
            checkpoint_sql = String::from("''");
        }
        let by_checkpoint = |wave: &str, extra: &str| {
            format!(
                "COUNT(CASE WHEN pi.profile = $1 AND pi.wave_origin = '{wave}' \
                 AND d.deposited_on IS NOT NULL AND d.deposited_on <= ({checkpoint_sql}){extra} \
                 THEN 1 END)"
            )
        };
        let sql = format!(
            "SELECT d.candidature_id, COUNT(*) AS deposited, \
             COUNT(CASE WHEN d.status = 'validated' THEN 1 END) AS validated, \
             {} AS g2_any, {} AS g2_not_rejected, {} AS g2_validated, \
             {} AS g1_any, {} AS g1_not_rejected, {} AS g1_validated {} \
             GROUP BY d.candidature_id",
            by_checkpoint("Va2", ""),
            by_checkpoint("Va2", " AND d.status <> 'rejected'"),
            by_checkpoint("Va2", " AND d.status = 'validated'"),
            by_checkpoint("Va1", ""),
            by_checkpoint("Va1", " AND d.status <> 'rejected'"),
            by_checkpoint("Va1", " AND d.status = 'validated'"),
            applicable_deposits!(),
        );
        // Audited: the text is made of fixed fragments and `$n` placeholders only; dispositif
        // codes and dates are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(Profile::GENERAL);
        for b in &binds {
            query = query.bind(b);
        }
        self.store().tick();
        let rows = query.fetch_all(pool).await?;
        let mut deposits: HashMap<String, [u64; 8]> = HashMap::new();
        for r in &rows {
            deposits.insert(
                r.try_get("candidature_id")?,
                [
                    count(r, "deposited")?,
                    count(r, "validated")?,
                    count(r, "g2_any")?,
                    count(r, "g2_not_rejected")?,
                    count(r, "g2_validated")?,
                    count(r, "g1_any")?,
                    count(r, "g1_not_rejected")?,
                    count(r, "g1_validated")?,
                ],
            );
        }

        // A heritage NRU is declared when the stored list is not empty (compact JSON, as
        // `util::json` writes it; checked by a unit test against the domain's serialisation).
        self.store().tick();
        let rows = sqlx::query(
            "SELECT c.id, c.organisation_id, o.name AS editor_name, c.dispositif, c.rem_version, \
             c.title, c.state, \
             CAST(CASE WHEN c.data LIKE '%\"heritage_nrus\":[\"%' THEN 1 ELSE 0 END AS BIGINT) AS heritage \
             FROM candidatures c JOIN organisations o ON o.id = c.organisation_id \
             ORDER BY o.name, c.organisation_id, c.position, c.id",
        )
        .fetch_all(pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let dispositif: String = r.try_get("dispositif")?;
            let rem_version: String = r.try_get("rem_version")?;
            let mut applicable = vec![Profile::GENERAL.to_owned()];
            applicable.extend(profiles.remove(&id).unwrap_or_default());
            applicable.sort();
            applicable.dedup();
            let items = |profile: &str| {
                catalogue
                    .get(&(dispositif.clone(), rem_version.clone(), profile.to_owned()))
                    .copied()
                    .unwrap_or_default()
            };
            let to_deposit = applicable
                .iter()
                .map(|p| {
                    let (va1, va2) = items(p);
                    va1 + va2
                })
                .sum();
            let (general_va1_items, general_va2_items) = items(Profile::GENERAL);
            let d = deposits.remove(&id).unwrap_or_default();
            out.push(CandidatureCounts {
                organisation_id: r.try_get("organisation_id")?,
                editor_name: r.try_get("editor_name")?,
                title: r.try_get("title")?,
                state: stored(segur_domain::candidature::CandidatureState::parse(
                    &r.try_get::<String, _>("state")?,
                ))?,
                heritage: r.try_get::<i64, _>("heritage")? != 0,
                to_deposit,
                deposited: d[0],
                validated: d[1],
                general_va2_items,
                general_va1_items,
                general_va2_by_checkpoint: CheckpointCounts {
                    any_status: d[2],
                    not_rejected: d[3],
                    validated: d[4],
                },
                general_va1_by_checkpoint: CheckpointCounts {
                    any_status: d[5],
                    not_rejected: d[6],
                    validated: d[7],
                },
                candidature_id: id,
                dispositif,
            });
        }
        Ok(out)
    }

    /// Items deposited per candidature and month, from the first day of `since`'s month.
    pub async fn monthly_deposits(&self, since: Date) -> Result<Vec<MonthlyDeposits>, StoreError> {
        self.store().tick();
        let rows = sqlx::query(concat!(
            "SELECT d.candidature_id, SUBSTR(d.deposited_on, 1, 7) AS month, COUNT(*) AS n ",
            applicable_deposits!(),
            "AND d.deposited_on IS NOT NULL AND d.deposited_on >= $2 ",
            "GROUP BY d.candidature_id, SUBSTR(d.deposited_on, 1, 7)"
        ))
        .bind(Profile::GENERAL)
        .bind(since.first_of_month().to_string())
        .fetch_all(self.store().pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let Some(month) = Month::parse(&r.try_get::<String, _>("month")?) else {
                continue;
            };
            out.push(MonthlyDeposits {
                candidature_id: r.try_get("candidature_id")?,
                month,
                deposited: count(r, "n")?,
            });
        }
        Ok(out)
    }

    /// Items deposited per dispositif and day (dated deposits only).
    pub async fn daily_deposits(&self) -> Result<Vec<DailyDeposits>, StoreError> {
        self.store().tick();
        let rows = sqlx::query(concat!(
            "SELECT c.dispositif, d.deposited_on, COUNT(*) AS n ",
            applicable_deposits!(),
            "AND d.deposited_on IS NOT NULL ",
            "GROUP BY c.dispositif, d.deposited_on ORDER BY c.dispositif, d.deposited_on"
        ))
        .bind(Profile::GENERAL)
        .fetch_all(self.store().pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let Ok(on) = parse_date(&r.try_get::<String, _>("deposited_on")?) else {
                continue;
            };
            out.push(DailyDeposits {
                dispositif: r.try_get("dispositif")?,
                on,
                deposited: count(r, "n")?,
            });
        }
        Ok(out)
    }

    /// Decisions on proof items per kind and day (the UTC day of the event).
    pub async fn daily_decisions(&self) -> Result<Vec<DailyDecisions>, StoreError> {
        self.store().tick();
        let rows = sqlx::query(concat!(
            "SELECT kind, SUBSTR(at, 1, 10) AS day, COUNT(*) AS n FROM domain_events ",
            "WHERE kind IN ",
            decision_kinds!(),
            " GROUP BY kind, SUBSTR(at, 1, 10) ORDER BY day"
        ))
        .fetch_all(self.store().pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let (Some(kind), Ok(on)) = (
                DecisionKind::from_event_kind(&r.try_get::<String, _>("kind")?),
                parse_date(&r.try_get::<String, _>("day")?),
            ) else {
                continue;
            };
            out.push(DailyDecisions {
                kind,
                on,
                count: count(r, "n")?,
            });
        }
        Ok(out)
    }

    /// Each decision since `since` (UTC day) with the deposit date of the item it decided, for
    /// the time to decision. Reads the events of that window and the deposits of the
    /// candidatures they concern only.
    pub async fn decisions_since(&self, since: Date) -> Result<Vec<DecisionRecord>, StoreError> {
        let pool = self.store().pool();
        let since = since.to_string();
        self.store().tick();
        let deposits = sqlx::query(concat!(
            "SELECT d.candidature_id, d.requirement_id, d.scenario, d.proof, d.deposited_on ",
            "FROM proof_deposits d WHERE d.deposited_on IS NOT NULL AND d.candidature_id IN ",
            "(SELECT e.candidature_id FROM domain_events e WHERE e.kind IN ",
            decision_kinds!(),
            " AND e.at >= $1)"
        ))
        .bind(&since)
        .fetch_all(pool)
        .await?;
        let mut deposited_on: HashMap<(String, String, i64, i64), Date> = HashMap::new();
        for r in &deposits {
            if let Ok(on) = parse_date(&r.try_get::<String, _>("deposited_on")?) {
                deposited_on.insert(
                    (
                        r.try_get("candidature_id")?,
                        r.try_get("requirement_id")?,
                        r.try_get("scenario")?,
                        r.try_get("proof")?,
                    ),
                    on,
                );
            }
        }
        self.store().tick();
        let rows = sqlx::query(concat!(
            "SELECT at, kind, candidature_id, data FROM domain_events WHERE kind IN ",
            decision_kinds!(),
            " AND at >= $1 ORDER BY seq"
        ))
        .bind(&since)
        .fetch_all(pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let at: String = r.try_get("at")?;
            let (Some(kind), Ok(on)) = (
                DecisionKind::from_event_kind(&r.try_get::<String, _>("kind")?),
                parse_date(at.get(..10).unwrap_or_default()),
            ) else {
                continue;
            };
            let candidature: Option<String> = r.try_get("candidature_id")?;
            let event: Option<DomainEvent> =
                serde_json::from_str(&r.try_get::<String, _>("data")?).ok();
            let deposit = candidature
                .zip(event.and_then(|e| e.proof_item))
                .and_then(|(c, key)| {
                    deposited_on
                        .get(&(
                            c,
                            key.requirement.to_string(),
                            i64::from(key.scenario),
                            i64::from(key.proof),
                        ))
                        .copied()
                });
            out.push(DecisionRecord {
                kind,
                on,
                deposited_on: deposit,
            });
        }
        Ok(out)
    }

    /// Test support: writes a domain event through the audited path, then dates it `at`
    /// (RFC 3339), so that tests of the monitoring control when decisions happened. The audit
    /// event keeps its own time (its hash covers it).
    #[doc(hidden)]
    pub async fn append_event_for_tests(
        &self,
        event: &DomainEvent,
        at: &str,
    ) -> Result<i64, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut sqlx::AnyConnection = &mut tx;
        let entry = AuditEntry {
            organisation_id: Some(event.organisation_id.clone()),
            ..AuditEntry::new(event.kind.as_str(), "test support: monitoring event")
        };
        let ev = audit::append_with_event(store, conn, &entry, event).await?;
        store.tick();
        sqlx::query("UPDATE domain_events SET at = $1 WHERE seq = $2")
            .bind(at)
            .bind(ev.seq)
            .execute(&mut *conn)
            .await?;
        tx.commit().await?;
        Ok(ev.seq)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dep_01_heritage_pattern_matches_the_stored_json() {
        use segur_domain::referencing::Nru;
        let mut c: serde_json::Value = serde_json::json!({});
        let empty: Vec<Nru> = vec![];
        c["heritage_nrus"] = serde_json::to_value(&empty).unwrap();
        let s = serde_json::to_string(&c).unwrap();
        assert!(s.contains("\"heritage_nrus\":[]"));
        assert!(!s.contains("\"heritage_nrus\":[\""));
        c["heritage_nrus"] =
            serde_json::to_value(vec![Nru::parse("MDV-LGC-VA1-2024-00001").unwrap()]).unwrap();
        let s = serde_json::to_string(&c).unwrap();
        assert!(s.contains("\"heritage_nrus\":[\""), "{s}");
    }
}
