//! The demo accounts created by `segur serve --demo` / `segur demo load`.

use segur_domain::org::Role;
use segur_store::NewAccount;

/// Shared password of every demo account (printed at start-up; demo data only). It follows
/// the password rules like any other (12 characters, three classes).
pub const PASSWORD: &str = "segur-demo-2026";

/// TOTP secret of the demo accounts whose role needs a second factor (ANS, ASP): printed at
/// start-up so that a tester can add it to an authenticator app. Demo data only.
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

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

/// Gives the demo accounts that need a second factor the published demo secret, so that the
/// demo can be tried without an enrolment step.
pub async fn enrol_second_factors(store: &segur_store::Store) -> anyhow::Result<()> {
    let system = store.system();
    for a in accounts() {
        if !segur_domain::identity::requires_second_factor(a.role) {
            continue;
        }
        if let Some((user, _)) = system.find_user_for_login(&a.login).await? {
            system
                .set_totp_secret_unchecked(&user.id, TOTP_SECRET)
                .await?;
        }
    }
    Ok(())
}
