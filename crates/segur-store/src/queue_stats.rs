//! The review counters of each candidature (`queue_stats`, migration 20), precomputed for the
//! ANS's instruction queue: items to review, validated, open complement requests, the earliest
//! answer due and the earliest request date (LIF-06).
//!
//! Why a table rather than sub-queries: the queue's default order is the deadline, so a page
//! needs the deadline of every matching candidature before it can cut 50 rows; at 50,000
//! candidatures and 1.25 million deposits that is seconds per page on SQLite and minutes on
//! PostgreSQL (docs/benchmarks.md). Every write to `proof_deposits` or `proof_reviews` calls
//! [`refresh`] for its candidature inside the same transaction, so the counters are never
//! stale; [`SystemStore::rebuild_queue_stats`] recomputes them all (after a bulk load, and in
//! the tests, which check that the maintained rows equal a rebuild).

use sqlx::AnyConnection;

use crate::{Store, StoreError, SystemStore};

/// The counters of the candidatures that `$where_clause` selects, as `queue_stats` columns.
/// Every sub-query is correlated on one candidature and reads its rows through an index that
/// leads with `candidature_id`. The outer `WHERE` also settles SQLite's parsing ambiguity of
/// `INSERT … SELECT … ON CONFLICT` (a SELECT without WHERE would read ON as a join constraint).
macro_rules! counters_select {
    ($where_clause:literal) => {
        concat!(
            "SELECT id, to_review, validated, open_complements, next_due, oldest_request, ",
            "COALESCE(next_due, '9999-12-31') FROM (SELECT c.id, ",
            "(SELECT COUNT(*) FROM proof_deposits d WHERE d.candidature_id = c.id ",
            "AND d.status IN ('deposited', 'under_review')) AS to_review, ",
            "(SELECT COUNT(*) FROM proof_deposits d WHERE d.candidature_id = c.id ",
            "AND d.status = 'validated') AS validated, ",
            "(SELECT COUNT(*) FROM proof_deposits d WHERE d.candidature_id = c.id ",
            "AND d.status = 'complement_requested') AS open_complements, ",
            "(SELECT MIN(r.due_on) FROM proof_reviews r JOIN proof_deposits d ",
            "ON d.candidature_id = r.candidature_id AND d.requirement_id = r.requirement_id ",
            "AND d.scenario = r.scenario AND d.proof = r.proof ",
            "WHERE r.candidature_id = c.id AND r.kind = 'complement_requested' ",
            "AND r.answered_at IS NULL AND d.status = 'complement_requested') AS next_due, ",
            "(SELECT MIN(d.deposited_on) FROM proof_deposits d WHERE d.candidature_id = c.id ",
            "AND d.status = 'complement_requested') AS oldest_request ",
            "FROM candidatures c ",
            $where_clause,
            ") s WHERE 1 = 1"
        )
    };
}

const COLUMNS: &str = "INSERT INTO queue_stats (candidature_id, to_review, validated, \
     open_complements, next_due, oldest_request, deadline_key) ";

/// Recomputes the counters of one candidature, in the caller's transaction. Call it after
/// the last write to the candidature's deposits or reviews, before the commit.
pub(crate) async fn refresh(
    store: &Store,
    conn: &mut AnyConnection,
    candidature_id: &str,
) -> Result<(), StoreError> {
    store.tick();
    let sql = format!(
        "{COLUMNS}{} ON CONFLICT (candidature_id) DO UPDATE SET to_review = excluded.to_review, \
         validated = excluded.validated, open_complements = excluded.open_complements, \
         next_due = excluded.next_due, oldest_request = excluded.oldest_request, \
         deadline_key = excluded.deadline_key",
        counters_select!("WHERE c.id = $1"),
    );
    // Audited: fixed fragments only; the id is bound.
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(candidature_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl SystemStore {
    /// Recomputes the queue counters of every candidature, in one transaction. The store keeps
    /// them up to date itself; this is for data loaded around it (a bulk import in SQL, a
    /// restored backup of an older layout) and for the tests.
    pub async fn rebuild_queue_stats(&self) -> Result<u64, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query("DELETE FROM queue_stats")
            .execute(&mut *conn)
            .await?;
        store.tick();
        let sql = format!("{COLUMNS}{}", counters_select!(""));
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
