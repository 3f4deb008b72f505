use axum::Json;

use crate::error::ErrorBody;
use crate::extract::ApiUser;
use crate::views::MeView;

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "compte", security(("session" = [])),
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn get_me(ApiUser(user): ApiUser) -> Json<MeView> {
    Json(MeView::from(&user))
}
