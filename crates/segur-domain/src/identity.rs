//! Identity policy: password rules, which roles need a second factor, and who may create or
//! change which account. Pure functions; the store and the HTTP layer call them.

use crate::authz::{Actor, Denied};
use crate::error::ParseError;
use crate::org::{OrganisationKind, Role};

/// Minimum length of a password mixing at least three character classes.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Minimum length of a passphrase (any characters).
pub const MIN_PASSPHRASE_LEN: usize = 16;
/// Upper bound, so that hashing cost stays bounded.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Passwords seen in every leaked list: refused even when long enough.
const COMMON: &[&str] = &[
    "motdepasse",
    "password",
    "azerty",
    "qwerty",
    "123456",
    "soleil",
    "bonjour",
    "admin",
    "segur",
];

/// Password rules after ANSSI's recommendations on passwords (2021, R21–R23) for accounts
/// that are also protected by throttling (and, for agency roles, a second factor): at least
/// 12 characters from three of the four classes (lowercase, uppercase, digits, others), or a
/// passphrase of at least 16 characters; never the login itself nor a word of the usual
/// leaked lists alone. Messages are French: they are shown as they are.
pub fn check_password(password: &str, login: &str) -> Result<(), ParseError> {
    let len = password.chars().count();
    if len > MAX_PASSWORD_LEN {
        return Err(ParseError::new(
            "password",
            format!("mot de passe trop long ({MAX_PASSWORD_LEN} caractères au plus)"),
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| !c.is_alphanumeric() || (!c.is_ascii() && !c.is_alphabetic())),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let strong_enough = (len >= MIN_PASSWORD_LEN && classes >= 3) || len >= MIN_PASSPHRASE_LEN;
    if !strong_enough {
        return Err(ParseError::new(
            "password",
            format!(
                "mot de passe trop faible : {MIN_PASSWORD_LEN} caractères au moins mêlant trois \
                 types (minuscules, majuscules, chiffres, autres), ou une phrase de passe de \
                 {MIN_PASSPHRASE_LEN} caractères au moins"
            ),
        ));
    }
    let folded = crate::text::fold(password);
    let squeezed: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    let login_folded = crate::text::fold(login);
    let login_local = login_folded.split('@').next().unwrap_or("");
    if !login_local.is_empty() && login_local.len() >= 3 && folded.contains(login_local) {
        return Err(ParseError::new(
            "password",
            "le mot de passe ne doit pas contenir l'identifiant",
        ));
    }
    // A common word padded with digits or symbols ("Password123!") is still that word.
    let core: String = squeezed.chars().filter(|c| !c.is_ascii_digit()).collect();
    if COMMON.iter().any(|w| core == *w) {
        return Err(ParseError::new(
            "password",
            "mot de passe trop courant : choisissez-en un autre",
        ));
    }
    Ok(())
}

/// Agency and administrator roles must sign in with a second factor (TOTP).
pub fn requires_second_factor(role: Role) -> bool {
    matches!(
        role,
        Role::AnsInstructeur
            | Role::AnsReferent
            | Role::AnsAdmin
            | Role::AspAgent
            | Role::PlatformAdmin
    )
}

/// The roles an actor may give when creating or changing an account of their own
/// organisation: an editor's mandataire and représentants manage représentants and salariés
/// (the mandataire is named outside the platform); the ANS administrator manages the ANS
/// staff. Nobody else manages accounts here.
pub fn assignable_roles(actor: &Actor) -> &'static [Role] {
    match (actor.organisation_kind, actor.role) {
        (OrganisationKind::Editor, Role::EditorMandataire | Role::EditorRepresentant) => {
            &[Role::EditorRepresentant, Role::EditorSalarie]
        }
        (OrganisationKind::Ans, Role::AnsAdmin) => &[Role::AnsInstructeur, Role::AnsReferent],
        _ => &[],
    }
}

/// What an actor wants to do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    Create { role: Role },
    ChangeRole { from: Role, to: Role },
    Deactivate { role: Role },
    Reactivate { role: Role },
}

/// May `actor` apply `change` to an account of organisation `owner`, whose id is `target`
/// (`None` for a creation)? Another organisation's account is reported as not found; one's
/// own account cannot be changed this way (no self-promotion, no locking oneself out).
pub fn authorize_account_change(
    actor: &Actor,
    actor_user_id: &str,
    owner: &str,
    target: Option<&str>,
    change: AccountChange,
) -> Result<(), Denied> {
    if owner != actor.organisation_id {
        return Err(Denied::NotFound);
    }
    let allowed = assignable_roles(actor);
    if allowed.is_empty() {
        return Err(Denied::Forbidden);
    }
    if target == Some(actor_user_id) {
        return Err(Denied::Forbidden);
    }
    let ok = match change {
        AccountChange::Create { role } => allowed.contains(&role),
        AccountChange::ChangeRole { from, to } => allowed.contains(&from) && allowed.contains(&to),
        AccountChange::Deactivate { role } | AccountChange::Reactivate { role } => {
            allowed.contains(&role)
        }
    };
    if ok { Ok(()) } else { Err(Denied::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, kind: OrganisationKind, org: &str) -> Actor {
        Actor {
            role,
            organisation_id: org.into(),
            organisation_kind: kind,
        }
    }

    #[test]
    fn passwords_follow_the_anssi_rules() {
        assert!(check_password("Court1!", "x@y.fr").is_err());
        // 12 characters but two classes only.
        assert!(check_password("abcdefgh1234", "x@y.fr").is_err());
        assert!(check_password("Abcdefgh1234", "x@y.fr").is_ok());
        // A passphrase needs no mix.
        assert!(check_password("le chat dort au soleil", "x@y.fr").is_ok());
        assert!(check_password("mot-de-passe-de-test", "x@y.fr").is_ok());
        // The login inside the password.
        assert!(check_password("Dupont-2026-secret!", "dupont@medi.fr").is_err());
        // A common word padded.
        assert!(check_password("Password123456!", "x@y.fr").is_err());
        assert!(check_password(&"Aa1!".repeat(80), "x@y.fr").is_err());
    }

    #[test]
    fn agency_roles_need_a_second_factor() {
        assert!(requires_second_factor(Role::AnsInstructeur));
        assert!(requires_second_factor(Role::AspAgent));
        assert!(requires_second_factor(Role::PlatformAdmin));
        assert!(!requires_second_factor(Role::EditorMandataire));
        assert!(!requires_second_factor(Role::EditorSalarie));
    }

    #[test]
    fn mandataire_and_representants_manage_their_colleagues_only() {
        let m = actor(Role::EditorMandataire, OrganisationKind::Editor, "ed-a");
        let r = actor(Role::EditorRepresentant, OrganisationKind::Editor, "ed-a");
        let s = actor(Role::EditorSalarie, OrganisationKind::Editor, "ed-a");
        let create = |role| AccountChange::Create { role };
        assert_eq!(
            authorize_account_change(&m, "me", "ed-a", None, create(Role::EditorSalarie)),
            Ok(())
        );
        assert_eq!(
            authorize_account_change(&r, "me", "ed-a", None, create(Role::EditorRepresentant)),
            Ok(())
        );
        // Salariés manage nothing.
        assert_eq!(
            authorize_account_change(&s, "me", "ed-a", None, create(Role::EditorSalarie)),
            Err(Denied::Forbidden)
        );
        // Nobody creates a mandataire or an agency role.
        assert_eq!(
            authorize_account_change(&m, "me", "ed-a", None, create(Role::EditorMandataire)),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize_account_change(&m, "me", "ed-a", None, create(Role::AnsAdmin)),
            Err(Denied::Forbidden)
        );
        // Another editor's accounts do not exist for us.
        assert_eq!(
            authorize_account_change(&m, "me", "ed-b", Some("u"), create(Role::EditorSalarie)),
            Err(Denied::NotFound)
        );
        // No change of one's own account, and a représentant cannot demote the mandataire.
        assert_eq!(
            authorize_account_change(
                &r,
                "me",
                "ed-a",
                Some("me"),
                AccountChange::ChangeRole {
                    from: Role::EditorRepresentant,
                    to: Role::EditorSalarie
                }
            ),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize_account_change(
                &r,
                "me",
                "ed-a",
                Some("boss"),
                AccountChange::Deactivate {
                    role: Role::EditorMandataire
                }
            ),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn the_ans_administrator_manages_ans_staff() {
        let admin = actor(Role::AnsAdmin, OrganisationKind::Ans, "ans");
        let instr = actor(Role::AnsInstructeur, OrganisationKind::Ans, "ans");
        let change = AccountChange::ChangeRole {
            from: Role::AnsInstructeur,
            to: Role::AnsReferent,
        };
        assert_eq!(
            authorize_account_change(&admin, "me", "ans", Some("u"), change),
            Ok(())
        );
        assert_eq!(
            authorize_account_change(&instr, "me", "ans", Some("u"), change),
            Err(Denied::Forbidden)
        );
        let asp = actor(Role::AspAgent, OrganisationKind::Asp, "asp");
        assert_eq!(assignable_roles(&asp), &[] as &[Role]);
    }
}
