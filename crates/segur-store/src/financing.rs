//! Financing records: the eligibility base (shared reference data kept by the ASP), and each
//! editor's orders, Prestations and payment requests.
//!
//! Editors reach their own records only through [`TenantStore`] (every query binds the
//! organisation); the ASP reaches every editor's through [`SystemStore`], which the server
//! opens only for ASP roles. Every write appends its audit event in its transaction.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use segur_domain::financing::request::RequestDocument;
use segur_domain::financing::{
    Client, Money, Order, PaymentRequest, Prestation, RequestDecision, RequestStatus,
};
use segur_domain::world::{World, WorldCandidature, WorldReferencing};

use crate::records::{AuditEntry, Page, Paged};
use crate::system::Importer;
use crate::util::{escape_like, fold_for_search, from_json, json, now_rfc3339};
use crate::{Store, StoreError, SystemStore, TenantStore, audit};

/// A stored payment request, with what the lists show and sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub organisation_id: String,
    pub organisation_name: String,
    pub request: PaymentRequest,
    pub client: String,
    pub dispositif: String,
    pub amount_ht: Money,
    pub amount_ttc: Money,
    /// The last deposited document (segur format v1), if deposited through the API.
    pub document: Option<serde_json::Value>,
    pub updated_at: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
}

/// Counts and sums of requests for one SONS, month of deposit (`YYYY-MM`) and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinancingTotal {
    pub dispositif: String,
    pub month: String,
    pub status: String,
    pub requests: i64,
    pub amount_ht: Money,
    pub amount_ttc: Money,
}

/// What an eligibility-base import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClientImportSummary {
    pub inserted: i64,
    pub updated: i64,
}

/// Every editor's financing records, for the ASP's cross-editor checks (FIN-01).
#[derive(Debug, Clone, Default)]
pub struct AllFinancing {
    /// Orders carry their editor.
    pub orders: Vec<Order>,
    /// (editor, request), in deposit order.
    pub payment_requests: Vec<(String, PaymentRequest)>,
    /// (editor, Prestation).
    pub prestations: Vec<(String, Prestation)>,
}

/// `SELECT` of a request `r` with its organisation `o`, then the rest of the query.
macro_rules! select_requests {
    ($($rest:literal),*) => {
        concat!(
            "SELECT r.organisation_id, o.name AS organisation_name, r.client, r.dispositif, ",
            "r.amount_ht_cents, r.amount_ttc_cents, r.data, r.document, r.updated_at, r.decided_at, r.decided_by ",
            "FROM fin_requests r JOIN organisations o ON o.id = r.organisation_id ",
            $($rest),*
        )
    };
}

/// Totals of requests per SONS, month and status, with an optional `WHERE`.
macro_rules! select_totals {
    ($where:literal) => {
        concat!(
            "SELECT dispositif, SUBSTR(deposited_on, 1, 7) AS month, status, COUNT(*) AS n, ",
            "CAST(SUM(amount_ht_cents) AS BIGINT) AS ht, CAST(SUM(amount_ttc_cents) AS BIGINT) AS ttc FROM fin_requests ",
            $where,
            " GROUP BY dispositif, SUBSTR(deposited_on, 1, 7), status ORDER BY dispositif, month, status"
        )
    };
}

fn cents(v: i64) -> Result<Money, StoreError> {
    u64::try_from(v)
        .ok()
        .and_then(|c| Money::from_cents(c).ok())
        .ok_or_else(|| StoreError::Other(format!("montant enregistré illisible : {v}")))
}

fn cents_of(m: Money) -> i64 {
    i64::try_from(m.cents()).unwrap_or(i64::MAX)
}

fn request_from_row(r: &AnyRow) -> Result<RequestRecord, StoreError> {
    let document: Option<String> = r.try_get("document")?;
    Ok(RequestRecord {
        organisation_id: r.try_get("organisation_id")?,
        organisation_name: r.try_get("organisation_name")?,
        request: from_json(&r.try_get::<String, _>("data")?)?,
        client: r.try_get("client")?,
        dispositif: r.try_get("dispositif")?,
        amount_ht: cents(r.try_get("amount_ht_cents")?)?,
        amount_ttc: cents(r.try_get("amount_ttc_cents")?)?,
        document: document.map(|d| from_json(&d)).transpose()?,
        updated_at: r.try_get("updated_at")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
    })
}

async fn upsert_order(
    conn: &mut AnyConnection,
    store: &Store,
    organisation_id: &str,
    o: &Order,
) -> Result<(), StoreError> {
    store.tick();
    sqlx::query(
        "INSERT INTO fin_orders (organisation_id, id, client, dispositif, signed_on, amount_ht_cents, \
         amount_ttc_cents, data, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (organisation_id, id) DO UPDATE SET client = excluded.client, \
         dispositif = excluded.dispositif, signed_on = excluded.signed_on, \
         amount_ht_cents = excluded.amount_ht_cents, amount_ttc_cents = excluded.amount_ttc_cents, \
         data = excluded.data, updated_at = excluded.updated_at",
    )
    .bind(organisation_id)
    .bind(&o.id)
    .bind(o.client.to_string())
    .bind(o.dispositif.as_str())
    .bind(o.signed_on.map(|d| d.to_string()))
    .bind(cents_of(o.amount_ht))
    .bind(cents_of(o.amount_ttc))
    .bind(json(o)?)
    .bind(now_rfc3339())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_prestation(
    conn: &mut AnyConnection,
    store: &Store,
    organisation_id: &str,
    p: &Prestation,
) -> Result<(), StoreError> {
    store.tick();
    sqlx::query(
        "INSERT INTO fin_prestations (organisation_id, order_id, data, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (organisation_id, order_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
    )
    .bind(organisation_id)
    .bind(&p.order)
    .bind(json(p)?)
    .bind(now_rfc3339())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_request(
    conn: &mut AnyConnection,
    store: &Store,
    organisation_id: &str,
    r: &PaymentRequest,
    order: &Order,
    document: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    store.tick();
    sqlx::query(
        "INSERT INTO fin_requests (organisation_id, id, order_id, kind, status, client, dispositif, deposited_on, \
         amount_ht_cents, amount_ttc_cents, data, document, position, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         (SELECT COALESCE(MAX(position), -1) + 1 FROM fin_requests), $13)",
    )
    .bind(organisation_id)
    .bind(&r.id)
    .bind(&r.order)
    .bind(r.kind.as_str())
    .bind(r.status.as_str())
    .bind(order.client.to_string())
    .bind(order.dispositif.as_str())
    .bind(r.deposited_on.to_string())
    .bind(cents_of(order.amount_ht))
    .bind(cents_of(order.amount_ttc))
    .bind(json(r)?)
    .bind(document.map(json).transpose()?)
    .bind(now_rfc3339())
    .execute(&mut *conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!("la demande {} existe déjà", r.id)),
        other => other,
    })?;
    Ok(())
}

async fn load_data<T: serde::de::DeserializeOwned>(
    store: &Store,
    sql: &'static str,
    organisation_id: Option<&str>,
) -> Result<Vec<T>, StoreError> {
    store.tick();
    let mut q = sqlx::query(sql);
    if let Some(org) = organisation_id {
        q = q.bind(org);
    }
    let rows = q.fetch_all(store.pool()).await?;
    rows.iter()
        .map(|r| from_json(&r.try_get::<String, _>("data")?))
        .collect()
}

async fn load_owned<T: serde::de::DeserializeOwned>(
    store: &Store,
    sql: &'static str,
) -> Result<Vec<(String, T)>, StoreError> {
    store.tick();
    let rows = sqlx::query(sql).fetch_all(store.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("organisation_id")?,
                from_json(&r.try_get::<String, _>("data")?)?,
            ))
        })
        .collect()
}

/// The shared part of a financing world: dispositifs, calendars and every referencing.
async fn public_world(system: &SystemStore) -> Result<World, StoreError> {
    let referencings: Vec<WorldReferencing> = system
        .list_referencings()
        .await?
        .into_iter()
        .map(|(editor, referencing)| WorldReferencing {
            editor,
            referencing,
        })
        .collect();
    Ok(World {
        dispositifs: system.list_dispositifs().await?,
        calendars: system.list_calendar_entries().await?,
        referencings,
        ..World::default()
    })
}

async fn totals(
    store: &Store,
    organisation_id: Option<&str>,
) -> Result<Vec<FinancingTotal>, StoreError> {
    store.tick();
    let rows = match organisation_id {
        Some(org) => {
            sqlx::query(select_totals!("WHERE organisation_id = $1"))
                .bind(org)
                .fetch_all(store.pool())
                .await?
        }
        None => {
            sqlx::query(select_totals!(""))
                .fetch_all(store.pool())
                .await?
        }
    };
    rows.iter()
        .map(|r| {
            Ok(FinancingTotal {
                dispositif: r.try_get("dispositif")?,
                month: r.try_get("month")?,
                status: r.try_get("status")?,
                requests: r.try_get("n")?,
                amount_ht: cents(r.try_get("ht")?)?,
                amount_ttc: cents(r.try_get("ttc")?)?,
            })
        })
        .collect()
}

impl SystemStore {
    /// Inserts or replaces client structures of an eligibility base, in one transaction.
    pub async fn import_clients(
        &self,
        clients: &[Client],
        audit_entry: &AuditEntry,
    ) -> Result<ClientImportSummary, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let mut summary = ClientImportSummary::default();
        for c in clients {
            store.tick();
            let exists = sqlx::query("SELECT 1 AS one FROM fin_clients WHERE structure_id = $1")
                .bind(c.id.to_string())
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
            store.tick();
            sqlx::query(
                "INSERT INTO fin_clients (structure_id, kind, name, search_text, data, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (structure_id) DO UPDATE SET \
                 kind = excluded.kind, name = excluded.name, search_text = excluded.search_text, \
                 data = excluded.data, updated_at = excluded.updated_at",
            )
            .bind(c.id.to_string())
            .bind(c.kind.as_str())
            .bind(&c.name)
            .bind(fold_for_search(&format!("{} {}", c.id, c.name)))
            .bind(json(c)?)
            .bind(now_rfc3339())
            .execute(&mut *conn)
            .await?;
            if exists {
                summary.updated += 1;
            } else {
                summary.inserted += 1;
            }
        }
        let mut entry = audit_entry.clone();
        if entry.action.is_empty() {
            entry.action = "financing.clients.import".into();
        }
        entry.object = format!(
            "{} — {} structure(s) ajoutée(s), {} mise(s) à jour",
            entry.object, summary.inserted, summary.updated
        );
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(summary)
    }

    /// Client structures whose identifier or name contains `q` (accents and case ignored).
    pub async fn list_clients(
        &self,
        q: Option<&str>,
        page: Page,
    ) -> Result<Paged<Client>, StoreError> {
        let store = self.store();
        let pattern = format!("%{}%", escape_like(&fold_for_search(q.unwrap_or(""))));
        store.tick();
        let total: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM fin_clients WHERE search_text LIKE $1 ESCAPE '\\'",
        )
        .bind(&pattern)
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
        store.tick();
        let rows = sqlx::query(
            "SELECT data FROM fin_clients WHERE search_text LIKE $1 ESCAPE '\\' \
             ORDER BY name, structure_id LIMIT $2 OFFSET $3",
        )
        .bind(&pattern)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(store.pool())
        .await?;
        let items = rows
            .iter()
            .map(|r| from_json(&r.try_get::<String, _>("data")?))
            .collect::<Result<Vec<Client>, StoreError>>()?;
        Ok(Paged {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Every client of the base (the checks look caps up by structure).
    pub async fn all_clients(&self) -> Result<Vec<Client>, StoreError> {
        load_data(
            self.store(),
            "SELECT data FROM fin_clients ORDER BY structure_id",
            None,
        )
        .await
    }

    /// The clients of the base among `ids` (unknown ones are simply absent).
    pub async fn clients_by_ids(
        &self,
        ids: &std::collections::BTreeSet<String>,
    ) -> Result<Vec<Client>, StoreError> {
        let store = self.store();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            store.tick();
            if let Some(row) = sqlx::query("SELECT data FROM fin_clients WHERE structure_id = $1")
                .bind(id)
                .fetch_optional(store.pool())
                .await?
            {
                out.push(from_json(&row.try_get::<String, _>("data")?)?);
            }
        }
        Ok(out)
    }

    /// The world the financing rules need for every editor: public data and every candidature.
    pub async fn financing_world(&self) -> Result<World, StoreError> {
        let mut world = public_world(self).await?;
        world.candidatures = load_data::<WorldCandidature>(
            self.store(),
            "SELECT data FROM candidatures ORDER BY organisation_id, position, id",
            None,
        )
        .await?;
        Ok(world)
    }

    /// Every editor's orders, requests and Prestations.
    pub async fn all_financing(&self) -> Result<AllFinancing, StoreError> {
        let store = self.store();
        Ok(AllFinancing {
            orders: load_data(
                store,
                "SELECT data FROM fin_orders ORDER BY organisation_id, id",
                None,
            )
            .await?,
            payment_requests: load_owned(
                store,
                "SELECT organisation_id, data FROM fin_requests ORDER BY position",
            )
            .await?,
            prestations: load_owned(
                store,
                "SELECT organisation_id, data FROM fin_prestations ORDER BY organisation_id, order_id",
            )
            .await?,
        })
    }

    /// Requests of every editor, oldest deposit first, optionally of one status.
    pub async fn list_requests(
        &self,
        status: Option<&str>,
        page: Page,
    ) -> Result<Paged<RequestRecord>, StoreError> {
        let store = self.store();
        // An empty status matches every request.
        let status = status.unwrap_or("");
        store.tick();
        let total: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM fin_requests r WHERE ($1 = '' OR r.status = $1)",
        )
        .bind(status)
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
        store.tick();
        let rows = sqlx::query(select_requests!(
            "WHERE ($1 = '' OR r.status = $1) ORDER BY r.deposited_on, r.position LIMIT $2 OFFSET $3"
        ))
        .bind(status)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(store.pool())
        .await?;
        let items = rows
            .iter()
            .map(request_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Paged {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// One editor's request, for the ASP.
    pub async fn get_request(
        &self,
        organisation_id: &str,
        id: &str,
    ) -> Result<RequestRecord, StoreError> {
        get_request(self.store(), organisation_id, id).await
    }

    /// Applies an ASP decision (validate, send back, mark paid) through the domain's
    /// transitions; a concurrent change of the same request makes this one a conflict.
    pub async fn decide_request(
        &self,
        organisation_id: &str,
        id: &str,
        decision: RequestDecision,
        audit_entry: &AuditEntry,
    ) -> Result<RequestRecord, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let row = sqlx::query(
            "SELECT data, status FROM fin_requests WHERE organisation_id = $1 AND id = $2",
        )
        .bind(organisation_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut request: PaymentRequest = from_json(&row.try_get::<String, _>("data")?)?;
        let before: String = row.try_get("status")?;
        let action = decision.as_str();
        request
            .decide(decision)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        store.tick();
        let updated = sqlx::query(
            "UPDATE fin_requests SET status = $1, data = $2, updated_at = $3, decided_at = $3, decided_by = $4 \
             WHERE organisation_id = $5 AND id = $6 AND status = $7",
        )
        .bind(request.status.as_str())
        .bind(json(&request)?)
        .bind(now_rfc3339())
        .bind(audit_entry.actor_user_id.clone())
        .bind(organisation_id)
        .bind(id)
        .bind(&before)
        .execute(&mut *conn)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "la demande {id} a changé entre-temps : rechargez la page"
            )));
        }
        let mut entry = audit_entry.clone();
        entry.organisation_id = Some(organisation_id.to_owned());
        entry.action = format!("financing.request.{action}");
        let motivation = match &request.status {
            RequestStatus::AModifier { motivation } => format!(" ({motivation})"),
            _ => String::new(),
        };
        entry.object = format!(
            "demande {id} : {before} → {}{motivation}",
            request.status.as_str()
        );
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        get_request(store, organisation_id, id).await
    }

    /// Requests per SONS, month and status, for every editor.
    pub async fn financing_totals(&self) -> Result<Vec<FinancingTotal>, StoreError> {
        totals(self.store(), None).await
    }
}

async fn get_request(
    store: &Store,
    organisation_id: &str,
    id: &str,
) -> Result<RequestRecord, StoreError> {
    store.tick();
    let row = sqlx::query(select_requests!(
        "WHERE r.organisation_id = $1 AND r.id = $2"
    ))
    .bind(organisation_id)
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    request_from_row(&row)
}

impl TenantStore {
    pub async fn list_orders(&self) -> Result<Vec<Order>, StoreError> {
        load_data(
            self.store(),
            "SELECT data FROM fin_orders WHERE organisation_id = $1 ORDER BY id",
            Some(self.organisation_id()),
        )
        .await
    }

    pub async fn list_prestations(&self) -> Result<Vec<Prestation>, StoreError> {
        load_data(
            self.store(),
            "SELECT data FROM fin_prestations WHERE organisation_id = $1 ORDER BY order_id",
            Some(self.organisation_id()),
        )
        .await
    }

    /// The organisation's requests, in deposit order.
    pub async fn list_requests(&self) -> Result<Vec<RequestRecord>, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(select_requests!(
            "WHERE r.organisation_id = $1 ORDER BY r.position"
        ))
        .bind(self.organisation_id())
        .fetch_all(store.pool())
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    pub async fn get_request(&self, id: &str) -> Result<RequestRecord, StoreError> {
        get_request(self.store(), self.organisation_id(), id).await
    }

    /// The eligibility-base rows of the organisation's clients (those its orders name), in
    /// one query: the caps and va1 history its checks need.
    pub async fn clients_of_orders(&self) -> Result<Vec<Client>, StoreError> {
        load_data(
            self.store(),
            "SELECT data FROM fin_clients WHERE structure_id IN \
             (SELECT client FROM fin_orders WHERE organisation_id = $1) ORDER BY structure_id",
            Some(self.organisation_id()),
        )
        .await
    }

    /// The world the financing rules need for this organisation: public data and its own
    /// candidatures only.
    pub async fn financing_world(&self) -> Result<World, StoreError> {
        let mut world = public_world(&self.store().system()).await?;
        world.candidatures = load_data::<WorldCandidature>(
            self.store(),
            "SELECT data FROM candidatures WHERE organisation_id = $1 ORDER BY position, id",
            Some(self.organisation_id()),
        )
        .await?;
        Ok(world)
    }

    /// Stores a deposited (or amended) request with its order and Prestation. `request` is
    /// the request as the domain merged it (status déposée, amendments); an amendment only
    /// replaces a request still « à modifier » in the database.
    pub async fn deposit_request(
        &self,
        doc: &RequestDocument,
        request: &PaymentRequest,
        amendment: bool,
        audit_entry: &AuditEntry,
    ) -> Result<RequestRecord, StoreError> {
        let store = self.store();
        let org = self.organisation_id();
        if doc.order.editor != org {
            return Err(StoreError::invalid("commande d'un autre éditeur"));
        }
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        upsert_order(conn, store, org, &doc.order).await?;
        if let Some(p) = &doc.prestation {
            upsert_prestation(conn, store, org, p).await?;
        }
        let document = doc.to_json();
        if amendment {
            store.tick();
            let updated = sqlx::query(
                "UPDATE fin_requests SET status = $1, data = $2, document = $3, client = $4, dispositif = $5, \
                 amount_ht_cents = $6, amount_ttc_cents = $7, updated_at = $8, decided_at = NULL, decided_by = NULL \
                 WHERE organisation_id = $9 AND id = $10 AND status = 'a_modifier'",
            )
            .bind(request.status.as_str())
            .bind(json(request)?)
            .bind(json(&document)?)
            .bind(doc.order.client.to_string())
            .bind(doc.order.dispositif.as_str())
            .bind(cents_of(doc.order.amount_ht))
            .bind(cents_of(doc.order.amount_ttc))
            .bind(now_rfc3339())
            .bind(org)
            .bind(&request.id)
            .execute(&mut *conn)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "la demande {} n'est plus « à modifier » : rechargez la page",
                    request.id
                )));
            }
        } else {
            insert_request(conn, store, org, request, &doc.order, Some(&document)).await?;
        }
        let mut entry = audit_entry.clone();
        entry.organisation_id = Some(org.to_owned());
        entry.action = if amendment {
            "financing.request.amend".into()
        } else {
            "financing.request.deposit".into()
        };
        entry.object = format!(
            "{} {} (commande {}, {} {} € HT)",
            request.kind.label_fr(),
            request.id,
            doc.order.id,
            doc.order.dispositif,
            doc.order.amount_ht
        );
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        get_request(store, org, &request.id).await
    }

    /// The organisation's requests per SONS, month and status.
    pub async fn financing_totals(&self) -> Result<Vec<FinancingTotal>, StoreError> {
        totals(self.store(), Some(self.organisation_id())).await
    }
}

impl Importer<'_> {
    /// The financing lists of a world file (demo data, `segur demo load`): clients, and each
    /// editor's orders, Prestations and requests.
    pub(crate) async fn financing(
        &self,
        conn: &mut AnyConnection,
        world: &World,
    ) -> Result<i64, StoreError> {
        let store = self.store;
        let mut n = 0;
        for c in &world.clients {
            store.tick();
            sqlx::query(
                "INSERT INTO fin_clients (structure_id, kind, name, search_text, data, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(c.id.to_string())
            .bind(c.kind.as_str())
            .bind(&c.name)
            .bind(fold_for_search(&format!("{} {}", c.id, c.name)))
            .bind(json(c)?)
            .bind(now_rfc3339())
            .execute(&mut *conn)
            .await?;
            n += 1;
        }
        let orders: BTreeMap<&str, &Order> =
            world.orders.iter().map(|o| (o.id.as_str(), o)).collect();
        for o in &world.orders {
            upsert_order(conn, store, &o.editor, o).await?;
            n += 1;
        }
        for p in &world.prestations {
            let Some(o) = orders.get(p.order.as_str()) else {
                return Err(StoreError::invalid(format!(
                    "prestation de la commande inconnue {}",
                    p.order
                )));
            };
            upsert_prestation(conn, store, &o.editor, p).await?;
            n += 1;
        }
        for r in &world.payment_requests {
            let Some(o) = orders.get(r.order.as_str()) else {
                return Err(StoreError::invalid(format!(
                    "demande {} d'une commande inconnue {}",
                    r.id, r.order
                )));
            };
            insert_request(conn, store, &o.editor, r, o, None).await?;
            n += 1;
        }
        Ok(n)
    }
}

/// A pilot site's PV, for the ANS (PRE-03).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PilotPv {
    pub organisation_id: String,
    pub organisation_name: String,
    pub prestation: Prestation,
}

impl SystemStore {
    /// Prestations whose PV is a pilot's, validated or not, by editor then order.
    pub async fn list_pilot_pvs(&self) -> Result<Vec<PilotPv>, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(
            "SELECT p.organisation_id, o.name AS organisation_name, p.data FROM fin_prestations p \
             JOIN organisations o ON o.id = p.organisation_id ORDER BY p.organisation_id, p.order_id",
        )
        .fetch_all(store.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let prestation: Prestation = from_json(&r.try_get::<String, _>("data")?)?;
            if prestation.pv.as_ref().is_some_and(|pv| pv.pilot) {
                out.push(PilotPv {
                    organisation_id: r.try_get("organisation_id")?,
                    organisation_name: r.try_get("organisation_name")?,
                    prestation,
                });
            }
        }
        Ok(out)
    }

    /// Records that the ANS validated a pilot PV on `on` (PRE-03). Only the ANS writes this
    /// date: editors' deposits keep it (see the server's financing desk).
    pub async fn validate_pilot_pv(
        &self,
        organisation_id: &str,
        order_id: &str,
        on: jiff::civil::Date,
        audit_entry: &AuditEntry,
    ) -> Result<Prestation, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let row = sqlx::query(
            "SELECT data FROM fin_prestations WHERE organisation_id = $1 AND order_id = $2",
        )
        .bind(organisation_id)
        .bind(order_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let before: String = row.try_get("data")?;
        let mut prestation: Prestation = from_json(&before)?;
        match prestation.pv.as_mut() {
            Some(pv) if pv.pilot && pv.ans_validated_on.is_none() => pv.ans_validated_on = Some(on),
            Some(pv) if pv.pilot => {
                return Err(StoreError::Conflict(format!(
                    "le PV pilote de la commande {order_id} est déjà validé"
                )));
            }
            _ => {
                return Err(StoreError::Conflict(format!(
                    "la commande {order_id} n'a pas de PV de site pilote"
                )));
            }
        }
        store.tick();
        let updated = sqlx::query(
            "UPDATE fin_prestations SET data = $1, updated_at = $2 \
             WHERE organisation_id = $3 AND order_id = $4 AND data = $5",
        )
        .bind(json(&prestation)?)
        .bind(now_rfc3339())
        .bind(organisation_id)
        .bind(order_id)
        .bind(&before)
        .execute(&mut *conn)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "la prestation a changé entre-temps : rechargez la page".into(),
            ));
        }
        let mut entry = audit_entry.clone();
        entry.organisation_id = Some(organisation_id.to_owned());
        entry.action = "financing.pilot_pv.validate".into();
        entry.object = format!("PV pilote de la commande {order_id} validé le {on}");
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(prestation)
    }
}
