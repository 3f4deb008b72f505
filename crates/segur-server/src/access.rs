//! Reaching tenant data: the only path from a user to a `TenantStore`, through the pure policy.
//!
//! Editors reach their own organisation only; the ANS reaches the owner of a candidature after
//! the policy allows it; any other caller is refused. Another editor's candidature is reported
//! as not found (the policy's `Denied::NotFound`), never as forbidden.

use segur_domain::authz::{Action, Denied, authorize};
use segur_domain::org::OrganisationKind;
use segur_store::{StoreError, TenantStore, UserRecord};

use crate::error::{ApiError, ErrorCode};
use crate::extract::actor;
use crate::state::AppState;

fn denied(d: Denied) -> ApiError {
    match d {
        Denied::NotFound => ApiError::not_found("candidature"),
        Denied::Forbidden => ApiError::new(
            ErrorCode::Forbidden,
            "votre rôle ne permet pas cette action",
        ),
    }
}

/// The tenant handle of the caller's own organisation, for listing its data.
pub fn own_tenant(
    state: &AppState,
    user: &UserRecord,
    action: Action,
) -> Result<TenantStore, ApiError> {
    authorize(&actor(user), action, Some(&user.organisation_id)).map_err(denied)?;
    Ok(state.store().tenant(&user.organisation_id))
}

/// The tenant handle that owns candidature `id`, if the caller may `action` it.
pub async fn candidature_tenant(
    state: &AppState,
    user: &UserRecord,
    id: &str,
    action: Action,
) -> Result<TenantStore, ApiError> {
    let owner = match user.organisation_kind {
        OrganisationKind::Editor => user.organisation_id.clone(),
        _ => match state.store().system().candidature_owner(id).await {
            Ok(owner) => owner,
            Err(StoreError::NotFound) => {
                // Decide on role before revealing absence: a caller without the right gets 403.
                authorize(&actor(user), action, None).map_err(denied)?;
                return Err(ApiError::not_found("candidature"));
            }
            Err(e) => return Err(e.into()),
        },
    };
    authorize(&actor(user), action, Some(&owner)).map_err(denied)?;
    Ok(state.store().tenant(&owner))
}

/// The caller's own financing desk: editors only (any staff role), on their organisation.
pub fn editor_desk(
    user: &UserRecord,
    state: &AppState,
    action: Action,
) -> Result<crate::financing::EditorDesk, ApiError> {
    if user.organisation_kind != OrganisationKind::Editor {
        return Err(denied(Denied::Forbidden));
    }
    authorize(&actor(user), action, Some(&user.organisation_id)).map_err(denied)?;
    Ok(crate::financing::EditorDesk {
        tenant: state.store().tenant(&user.organisation_id),
    })
}

/// The ASP's desk over every editor's financing records.
pub fn asp_desk(
    user: &UserRecord,
    state: &AppState,
) -> Result<crate::financing::AspDesk, ApiError> {
    authorize(&actor(user), Action::HandleFinancing, None).map_err(denied)?;
    Ok(crate::financing::AspDesk {
        system: state.store().system(),
    })
}

/// The ANS's desk for pilot PVs (instructeurs and référents).
pub fn ans_pilot_desk(
    user: &UserRecord,
    state: &AppState,
) -> Result<crate::financing::AnsPilotDesk, ApiError> {
    if user.organisation_kind != OrganisationKind::Ans {
        return Err(denied(Denied::Forbidden));
    }
    authorize(&actor(user), Action::Instruct, None).map_err(denied)?;
    Ok(crate::financing::AnsPilotDesk {
        system: state.store().system(),
    })
}

/// The ANS's monitoring desk (DEP-01, DEP-02, instruction throughput): cross-tenant counts,
/// for the ANS's staff only (any ANS role that instructs).
pub fn ans_monitoring_desk(
    user: &UserRecord,
    state: &AppState,
) -> Result<crate::monitoring::MonitoringDesk, ApiError> {
    if user.organisation_kind != OrganisationKind::Ans {
        return Err(denied(Denied::Forbidden));
    }
    authorize(&actor(user), Action::Instruct, None).map_err(denied)?;
    Ok(crate::monitoring::MonitoringDesk {
        system: state.store().system(),
    })
}

/// The caller's own organisation for API tokens, and whether they manage every token of it.
///
/// Any signed-in user may create, list and revoke their own tokens: a token acts as its
/// creator, so it grants nothing the creator does not already have. Those who manage the
/// organisation's accounts (editor mandataire or représentant, ANS administrator;
/// `Action::ManageAccounts`) also see and revoke their colleagues' tokens.
pub fn token_tenant(state: &AppState, user: &UserRecord) -> (TenantStore, bool) {
    let manages = authorize(
        &actor(user),
        Action::ManageAccounts,
        Some(&user.organisation_id),
    )
    .is_ok();
    (state.store().tenant(&user.organisation_id), manages)
}

/// The ANS's instruction desk (queue, assignments): instructeurs, référents, administrators.
pub fn instruction_desk(
    user: &UserRecord,
    state: &AppState,
) -> Result<crate::instruction::InstructionDesk, ApiError> {
    if user.organisation_kind != OrganisationKind::Ans {
        return Err(denied(Denied::Forbidden));
    }
    authorize(&actor(user), Action::Instruct, None).map_err(denied)?;
    Ok(crate::instruction::InstructionDesk {
        system: state.store().system(),
    })
}

/// The référent's desk for decisions across editors (withdrawal of a referencing, EQV-13).
pub fn decision_desk(
    user: &UserRecord,
    state: &AppState,
) -> Result<crate::instruction::DecisionDesk, ApiError> {
    if user.organisation_kind != OrganisationKind::Ans {
        return Err(denied(Denied::Forbidden));
    }
    authorize(&actor(user), Action::Decide, None).map_err(denied)?;
    Ok(crate::instruction::DecisionDesk {
        system: state.store().system(),
    })
}

/// What is done with a candidature's internal collaboration data (proof-item assignments,
/// internal notes). A type of its own so that [`internal_tenant`] cannot be asked for any
/// other action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collaboration {
    Read,
    Write,
}

impl Collaboration {
    fn action(self) -> Action {
        match self {
            Self::Read => Action::ReadInternalNotes,
            Self::Write => Action::WriteInternalNotes,
        }
    }
}

/// The tenant owning candidature `id`, for its internal collaboration data only: the owning
/// editor's staff get it; the ANS and the ASP get 403 (they must never see internal notes),
/// another editor 404. `NotFound` later if the candidature does not exist in that tenant.
pub async fn internal_tenant(
    state: &AppState,
    user: &UserRecord,
    id: &str,
    what: Collaboration,
) -> Result<TenantStore, ApiError> {
    candidature_tenant(state, user, id, what.action()).await
}

/// The caller's own organisation for its internal collaboration data ("Mon travail"):
/// editors' staff only.
pub fn own_internal_tenant(
    state: &AppState,
    user: &UserRecord,
    what: Collaboration,
) -> Result<TenantStore, ApiError> {
    own_tenant(state, user, what.action())
}

/// Whether the caller may read a candidature's internal collaboration data (to show or hide
/// that section of a page without asking twice).
pub fn may_collaborate(user: &UserRecord, owner: &str, what: Collaboration) -> bool {
    authorize(&actor(user), what.action(), Some(owner)).is_ok()
}

/// The caller's own organisation for its webhooks: editor mandataires and représentants only
/// (they send the organisation's events to outside systems).
pub fn webhook_tenant(state: &AppState, user: &UserRecord) -> Result<TenantStore, ApiError> {
    own_tenant(state, user, Action::ManageWebhooks)
}

/// The caller's own notifications: every signed-in account has an inbox, bound to its user
/// id, so nobody reaches another person's notifications.
pub fn inbox(state: &AppState, user: &UserRecord) -> segur_store::Inbox {
    state.store().inbox(&user.id)
}
