use askama::Template;
use axum::response::Response;

use crate::extract::MaybeUser;
use crate::pages::{Layout, render_html};

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
}

pub async fn home(MaybeUser(user): MaybeUser) -> Response {
    render_html(&HomePage {
        layout: Layout::new("Accueil", user.as_ref(), "home"),
    })
}
