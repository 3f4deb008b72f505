//! The public register (PUB-01): public facts only, readable without signing in, and the
//! editors' declarations of obsolete versions.

use sqlx::{AnyConnection, Row};

use segur_domain::register::ObsoleteVersion;
use segur_domain::world::{World, WorldCandidature, WorldReferencing};

use crate::records::AuditEntry;
use crate::system::Importer;
use crate::util::{from_json, now_rfc3339, parse_date};
use crate::{Store, StoreError, SystemStore, TenantStore, audit};

async fn insert_obsolete(
    conn: &mut AnyConnection,
    store: &Store,
    o: &ObsoleteVersion,
) -> Result<(), StoreError> {
    store.tick();
    sqlx::query(
        "INSERT INTO obsolete_versions (organisation_id, software, version, declared_on, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&o.editor)
    .bind(o.software.trim())
    .bind(o.version.trim())
    .bind(o.declared_on.to_string())
    .bind(now_rfc3339())
    .execute(&mut *conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!(
            "la version {} de {} est déjà déclarée obsolète",
            o.version, o.software
        )),
        other => other,
    })?;
    Ok(())
}

impl SystemStore {
    /// What the register is computed from: editors (names), every referencing and every
    /// candidature (the domain keeps only public fields and filed ones), and the obsolete
    /// versions.
    pub async fn register_sources(&self) -> Result<(World, Vec<ObsoleteVersion>), StoreError> {
        let store = self.store();
        let referencings: Vec<WorldReferencing> = self
            .list_referencings()
            .await?
            .into_iter()
            .map(|(editor, referencing)| WorldReferencing {
                editor,
                referencing,
            })
            .collect();
        store.tick();
        let rows =
            sqlx::query("SELECT data FROM candidatures ORDER BY organisation_id, position, id")
                .fetch_all(store.pool())
                .await?;
        let candidatures = rows
            .iter()
            .map(|r| from_json::<WorldCandidature>(&r.try_get::<String, _>("data")?))
            .collect::<Result<Vec<_>, _>>()?;
        let editors = self
            .list_organisations(Some(segur_domain::org::OrganisationKind::Editor))
            .await?
            .into_iter()
            .map(|o| segur_domain::world::Editor {
                id: o.id,
                name: o.name,
                siren: None,
                nie: None,
                charte_accepted_on: None,
            })
            .collect();
        store.tick();
        let rows = sqlx::query(
            "SELECT organisation_id, software, version, declared_on FROM obsolete_versions \
             ORDER BY organisation_id, software, version",
        )
        .fetch_all(store.pool())
        .await?;
        let obsolete = rows
            .iter()
            .map(|r| {
                Ok(ObsoleteVersion {
                    editor: r.try_get("organisation_id")?,
                    software: r.try_get("software")?,
                    version: r.try_get("version")?,
                    declared_on: parse_date(&r.try_get::<String, _>("declared_on")?)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((
            World {
                editors,
                referencings,
                candidatures,
                ..World::default()
            },
            obsolete,
        ))
    }
}

impl TenantStore {
    /// Declares a version of one of the organisation's software obsolete (public, audited).
    pub async fn declare_obsolete(
        &self,
        software: &str,
        version: &str,
        on: jiff::civil::Date,
        audit_entry: &AuditEntry,
    ) -> Result<ObsoleteVersion, StoreError> {
        let (software, version) = (software.trim(), version.trim());
        if software.is_empty() || version.is_empty() || software.len() > 200 || version.len() > 64 {
            return Err(StoreError::invalid(
                "logiciel (1 à 200 caractères) et version (1 à 64) attendus",
            ));
        }
        if software
            .chars()
            .chain(version.chars())
            .any(char::is_control)
        {
            return Err(StoreError::invalid("caractères de contrôle refusés"));
        }
        let o = ObsoleteVersion {
            editor: self.organisation_id().to_owned(),
            software: software.to_owned(),
            version: version.to_owned(),
            declared_on: on,
        };
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        insert_obsolete(conn, store, &o).await?;
        let mut entry = audit_entry.clone();
        entry.organisation_id = Some(o.editor.clone());
        entry.action = "register.obsolete_version.declare".into();
        entry.object = format!("{} {} déclarée obsolète le {on}", o.software, o.version);
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(o)
    }
}

impl Importer<'_> {
    pub(crate) async fn obsolete_versions(
        &self,
        conn: &mut AnyConnection,
        world: &World,
    ) -> Result<(), StoreError> {
        for o in &world.obsolete_versions {
            insert_obsolete(conn, self.store, o).await?;
        }
        Ok(())
    }
}
