//! Authorization policy as a pure function: who may do what on which resource.
//!
//! The HTTP layer asks [`authorize`] before reaching tenant data; tenant isolation itself is
//! enforced by the store's tenant-bound handle. A request by a user of another editor is
//! reported as [`Denied::NotFound`] so that existence is not revealed.

use serde::{Deserialize, Serialize};

use crate::org::{OrganisationKind, Role};

/// What the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    pub organisation_id: String,
    pub organisation_kind: OrganisationKind,
}

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read an editor's candidatures, solutions, deposits.
    ReadEditorData,
    /// Create or change an editor's candidatures and deposits.
    WriteEditorData,
    /// Manage an organisation's accounts (mandataire, représentant).
    ManageAccounts,
    /// Read the catalogue (dispositifs, calendars, REM).
    ReadCatalogue,
    /// Instruct proofs (ANS).
    Instruct,
    /// Refer / refuse a candidature (ANS référent).
    Decide,
    /// Read financing records: an editor its own orders and requests, the ASP everyone's.
    ReadFinancing,
    /// Simulate and deposit payment requests (editor staff, on their own organisation).
    DepositFinancing,
    /// Financing queue (ASP): decide on requests, import the eligibility base.
    HandleFinancing,
    /// Read the internal collaboration data of a candidature (proof-item assignments,
    /// internal notes): only the owning editor's staff, never the ANS, the ASP or another
    /// editor.
    ReadInternalNotes,
    /// Assign proof items and write internal notes (owning editor's staff only).
    WriteInternalNotes,
    /// Register, delete and inspect the organisation's webhooks (editor mandataire or
    /// représentant, on their own organisation): they send its events to outside systems.
    ManageWebhooks,
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The resource belongs to another editor: answer as if it did not exist.
    NotFound,
    /// The caller's role does not allow the action.
    Forbidden,
}

/// May `actor` perform `action` on data owned by organisation `owner` (None for shared data)?
pub fn authorize(actor: &Actor, action: Action, owner: Option<&str>) -> Result<(), Denied> {
    use Action as A;
    let is_owner = owner.is_some_and(|o| o == actor.organisation_id);
    match actor.organisation_kind {
        OrganisationKind::Editor => {
            if owner.is_some() && !is_owner {
                return Err(Denied::NotFound);
            }
            match action {
                A::ReadCatalogue
                | A::ReadEditorData
                | A::WriteEditorData
                | A::ReadFinancing
                | A::DepositFinancing => Ok(()),
                A::ManageAccounts => match actor.role {
                    Role::EditorMandataire | Role::EditorRepresentant => Ok(()),
                    _ => Err(Denied::Forbidden),
                },
                A::ManageWebhooks if is_owner => match actor.role {
                    Role::EditorMandataire | Role::EditorRepresentant => Ok(()),
                    _ => Err(Denied::Forbidden),
                },
                A::ManageWebhooks => Err(Denied::Forbidden),
                // Internal notes exist only on an organisation's own data.
                A::ReadInternalNotes | A::WriteInternalNotes if is_owner => Ok(()),
                A::ReadInternalNotes | A::WriteInternalNotes => Err(Denied::Forbidden),
                A::Instruct | A::Decide | A::HandleFinancing => Err(Denied::Forbidden),
            }
        }
        // The ANS knows the candidature exists; its role just never reaches internal notes:
        // Forbidden (the catch-all below), tested in `internal_notes_only_for_the_owning_editor`.
        OrganisationKind::Ans => match action {
            A::ReadCatalogue | A::ReadEditorData => Ok(()),
            A::Instruct => Ok(()),
            A::Decide => match actor.role {
                Role::AnsReferent | Role::AnsAdmin => Ok(()),
                _ => Err(Denied::Forbidden),
            },
            A::ManageAccounts if is_owner && actor.role == Role::AnsAdmin => Ok(()),
            _ => Err(Denied::Forbidden),
        },
        OrganisationKind::Asp => match action {
            A::ReadCatalogue | A::ReadFinancing | A::HandleFinancing => Ok(()),
            _ => Err(Denied::Forbidden),
        },
        OrganisationKind::Client => match action {
            A::ReadCatalogue => Ok(()),
            _ => Err(Denied::Forbidden),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn editor(role: Role, org: &str) -> Actor {
        Actor {
            role,
            organisation_id: org.into(),
            organisation_kind: OrganisationKind::Editor,
        }
    }

    #[test]
    fn another_editor_sees_not_found() {
        let a = editor(Role::EditorMandataire, "ed-a");
        assert_eq!(
            authorize(&a, Action::ReadEditorData, Some("ed-b")),
            Err(Denied::NotFound)
        );
        assert_eq!(authorize(&a, Action::ReadEditorData, Some("ed-a")), Ok(()));
    }

    #[test]
    fn salaries_cannot_manage_accounts() {
        let s = editor(Role::EditorSalarie, "ed-a");
        assert_eq!(
            authorize(&s, Action::ManageAccounts, Some("ed-a")),
            Err(Denied::Forbidden)
        );
        let r = editor(Role::EditorRepresentant, "ed-a");
        assert_eq!(authorize(&r, Action::ManageAccounts, Some("ed-a")), Ok(()));
    }

    #[test]
    fn financing_editors_deposit_their_own_the_asp_decides() {
        let e = editor(Role::EditorSalarie, "ed-a");
        assert_eq!(
            authorize(&e, Action::DepositFinancing, Some("ed-a")),
            Ok(())
        );
        assert_eq!(
            authorize(&e, Action::ReadFinancing, Some("ed-b")),
            Err(Denied::NotFound)
        );
        assert_eq!(
            authorize(&e, Action::HandleFinancing, Some("ed-a")),
            Err(Denied::Forbidden)
        );
        let asp = Actor {
            role: Role::AspAgent,
            organisation_id: "asp".into(),
            organisation_kind: OrganisationKind::Asp,
        };
        assert_eq!(authorize(&asp, Action::ReadFinancing, Some("ed-a")), Ok(()));
        assert_eq!(authorize(&asp, Action::HandleFinancing, None), Ok(()));
        assert_eq!(
            authorize(&asp, Action::DepositFinancing, Some("ed-a")),
            Err(Denied::Forbidden)
        );
        let ans = Actor {
            role: Role::AnsReferent,
            organisation_id: "ans".into(),
            organisation_kind: OrganisationKind::Ans,
        };
        assert_eq!(
            authorize(&ans, Action::HandleFinancing, None),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn only_referents_decide() {
        let i = Actor {
            role: Role::AnsInstructeur,
            organisation_id: "ans".into(),
            organisation_kind: OrganisationKind::Ans,
        };
        assert_eq!(
            authorize(&i, Action::Decide, Some("ed-a")),
            Err(Denied::Forbidden)
        );
        assert_eq!(authorize(&i, Action::ReadEditorData, Some("ed-a")), Ok(()));
        let r = Actor {
            role: Role::AnsReferent,
            ..i
        };
        assert_eq!(authorize(&r, Action::Decide, Some("ed-a")), Ok(()));
    }

    #[test]
    fn internal_notes_only_for_the_owning_editor() {
        for role in [
            Role::EditorMandataire,
            Role::EditorRepresentant,
            Role::EditorSalarie,
        ] {
            let e = editor(role, "ed-a");
            for action in [Action::ReadInternalNotes, Action::WriteInternalNotes] {
                assert_eq!(authorize(&e, action, Some("ed-a")), Ok(()));
                assert_eq!(authorize(&e, action, Some("ed-b")), Err(Denied::NotFound));
                assert_eq!(authorize(&e, action, None), Err(Denied::Forbidden));
            }
        }
        for (role, kind, org) in [
            (Role::AnsInstructeur, OrganisationKind::Ans, "ans"),
            (Role::AnsReferent, OrganisationKind::Ans, "ans"),
            (Role::AnsAdmin, OrganisationKind::Ans, "ans"),
            (Role::AspAgent, OrganisationKind::Asp, "asp"),
        ] {
            let a = Actor {
                role,
                organisation_id: org.into(),
                organisation_kind: kind,
            };
            for action in [Action::ReadInternalNotes, Action::WriteInternalNotes] {
                assert_eq!(authorize(&a, action, Some("ed-a")), Err(Denied::Forbidden));
                assert_eq!(authorize(&a, action, None), Err(Denied::Forbidden));
            }
        }
    }

    #[test]
    fn webhooks_are_managed_by_mandataires_and_representants_of_the_editor() {
        for (role, expected) in [
            (Role::EditorMandataire, Ok(())),
            (Role::EditorRepresentant, Ok(())),
            (Role::EditorSalarie, Err(Denied::Forbidden)),
        ] {
            let e = editor(role, "ed-a");
            assert_eq!(
                authorize(&e, Action::ManageWebhooks, Some("ed-a")),
                expected
            );
            assert_eq!(
                authorize(&e, Action::ManageWebhooks, Some("ed-b")),
                Err(Denied::NotFound)
            );
            assert_eq!(
                authorize(&e, Action::ManageWebhooks, None),
                Err(Denied::Forbidden)
            );
        }
        for (role, kind, org) in [
            (Role::AnsAdmin, OrganisationKind::Ans, "ans"),
            (Role::AnsReferent, OrganisationKind::Ans, "ans"),
            (Role::AspAgent, OrganisationKind::Asp, "asp"),
        ] {
            let a = Actor {
                role,
                organisation_id: org.into(),
                organisation_kind: kind,
            };
            assert_eq!(
                authorize(&a, Action::ManageWebhooks, Some(org)),
                Err(Denied::Forbidden)
            );
        }
    }
}
