//! The rule catalogue: every rule the platform applies, with its text and source.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use segur_domain::rules::RuleInfo;

use crate::error::PageError;
use crate::extract::MaybeUser;
use crate::pages::{Layout, render_html};

#[derive(Template)]
#[template(path = "rules.html")]
pub struct RulesPage {
    pub layout: Layout,
    pub families: Vec<(&'static str, Vec<&'static RuleInfo>)>,
}

pub async fn index(MaybeUser(user): MaybeUser) -> Response {
    let mut families: Vec<(&'static str, Vec<&'static RuleInfo>)> = Vec::new();
    for r in segur_domain::rules::all_rules() {
        match families.iter_mut().find(|(f, _)| *f == r.family) {
            Some((_, list)) => list.push(r),
            None => families.push((r.family, vec![r])),
        }
    }
    render_html(&RulesPage {
        layout: Layout::new("Règles appliquées", user.as_ref(), "rules"),
        families,
    })
}

#[derive(Template)]
#[template(path = "rule.html")]
pub struct RulePage {
    pub layout: Layout,
    pub rule: &'static RuleInfo,
}

pub async fn show(
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let rule = segur_domain::rules::rule(&id).ok_or_else(PageError::not_found)?;
    Ok(render_html(&RulePage {
        layout: Layout::new(format!("Règle {}", rule.id), user.as_ref(), "rules"),
        rule,
    }))
}
