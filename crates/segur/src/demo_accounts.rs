//! The demo accounts created by `segur serve --demo` / `segur demo load`.

use segur_domain::org::Role;
use segur_store::NewAccount;

/// Shared password of every demo account (printed at start-up; demo data only).
pub const PASSWORD: &str = "segur-demo";

pub fn accounts() -> Vec<NewAccount> {
    let a = |login: &str, name: &str, role: Role, org: &str| NewAccount {
        login: login.to_owned(),
        display_name: name.to_owned(),
        password: PASSWORD.to_owned(),
        role,
        organisation_id: org.to_owned(),
    };
    vec![
        a(
            "mandataire@monlps.demo",
            "Claire Martin",
            Role::EditorMandataire,
            "ed-monlps",
        ),
        a(
            "salarie@monlps.demo",
            "Hugo Bernard",
            Role::EditorSalarie,
            "ed-monlps",
        ),
        a(
            "mandataire@medi.demo",
            "Inès Moreau",
            Role::EditorMandataire,
            "ed-medi",
        ),
        a(
            "mandataire@hopital.demo",
            "Paul Lefèvre",
            Role::EditorMandataire,
            "ed-hopital",
        ),
        a(
            "instructeur@ans.demo",
            "Léa Dubois",
            Role::AnsInstructeur,
            "ans",
        ),
        a("referent@ans.demo", "Marc Petit", Role::AnsReferent, "ans"),
        a("agent@asp.demo", "Sophie Laurent", Role::AspAgent, "asp"),
    ]
}
