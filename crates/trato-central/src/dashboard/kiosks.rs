//! `GET /api/v1/dashboard/kiosks`: the Kioscos view's data, with the same
//! session and scope rules as the other dashboard routes.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;

use super::api::{params, Params};
use super::Viewer;
use crate::error::ApiError;
use crate::kiosks::{fleet, Fleet};
use crate::AppState;

pub async fn kiosks(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Fleet>, ApiError> {
    let p = params(q)?;
    let catalogue = state.store.dash().units().await?;
    let resolved = p.resolve(&viewer, &catalogue)?;
    let now = state.clock.now();
    Ok(Json(
        fleet(
            &*state.store,
            resolved.units.as_deref(),
            &catalogue,
            now,
            state.config.silent_after,
        )
        .await?,
    ))
}
