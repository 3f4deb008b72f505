//! Small helpers shared by the query modules.

use segur_domain::ParseError;

use crate::StoreError;

pub(crate) fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

pub(crate) fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Lower-cases and strips diacritics (see [`segur_domain::text::fold`]), so that search
/// works the same on both databases: SQLite's `LOWER` only folds ASCII.
pub fn fold_for_search(s: &str) -> String {
    segur_domain::text::fold(s)
}

/// Escapes `\`, `%` and `_` for a `LIKE … ESCAPE '\'` pattern.
/// Takes the lease of one queued row (an e-mail, a webhook delivery) by compare-and-set on its
/// next attempt time: `update` sets it to `$1` where the id is `$2` and the time is still the
/// `$3` this worker read. True when this worker won it; another one that read the same row
/// then changes nothing, and a worker that dies mid-attempt leaves it to be retried at `$1`.
pub(crate) async fn take_lease(
    store: &crate::Store,
    update: &'static str,
    id: &str,
    lease_until: i64,
    read_next_at: i64,
) -> Result<bool, StoreError> {
    store.tick();
    let done = sqlx::query(update)
        .bind(lease_until)
        .bind(id)
        .bind(read_next_at)
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) fn parse_date(s: &str) -> Result<jiff::civil::Date, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Other(format!("date enregistrée illisible : « {s} »")))
}

pub(crate) fn opt_date(s: Option<String>) -> Result<Option<jiff::civil::Date>, StoreError> {
    s.as_deref().map(parse_date).transpose()
}

/// A stored enum code that does not parse means the database was written by something else.
pub(crate) fn stored<T>(r: Result<T, ParseError>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Other(format!("valeur enregistrée illisible : {e}")))
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v)
        .map_err(|e| StoreError::Other(format!("sérialisation impossible : {e}")))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    Ok(serde_json::from_str(s)?)
}

/// Organisation ids end up in blob keys and URLs: keep them to a safe alphabet.
pub(crate) fn check_organisation_id(id: &str) -> Result<(), StoreError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(format!(
            "identifiant d'organisation « {id} » : 1 à 64 caractères parmi lettres, chiffres, - _ ."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_case_and_accents() {
        assert_eq!(fold_for_search("Énoncé DÉPÔT Œuvre"), "enonce depot oeuvre");
        assert_eq!(fold_for_search("SC.SSI/GEN.18"), "sc.ssi/gen.18");
    }

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
    }

    #[test]
    fn organisation_ids_are_restricted() {
        assert!(check_organisation_id("ed-monlps").is_ok());
        for bad in ["", "..", "a/b", "é", &"x".repeat(65)] {
            assert!(check_organisation_id(bad).is_err(), "{bad}");
        }
    }
}
