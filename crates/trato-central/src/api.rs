//! HTTP routes. The protocol is specified in `docs/protocol.md`.

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{SecondsFormat, Utc};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use trato_domain::wire::{
    ActiveSurveyQuery, ActiveSurveyReply, BatchReply, ACTIVE_SURVEY_PATH, BATCHES_PATH,
    HEALTH_PATH, MAX_BATCH_COMPRESSED_BYTES, MAX_PROBLEM_CHARS, SERVER_TIME_HEADER,
};

use crate::error::{ApiError, ErrorCode};
use crate::ingest::{self, DecodeError};
use crate::store::{KioskAuth, KioskSurveyReport};
use crate::token::hash_token;
use crate::AppState;
use trato_domain::clues::validate_clues;

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    Router::new()
        .route(BATCHES_PATH, post(post_batch))
        .route(ACTIVE_SURVEY_PATH, get(active_survey))
        .route(HEALTH_PATH, get(health))
        .merge(crate::dashboard::web::routes())
        .fallback(|| async { ApiError::from_status(StatusCode::NOT_FOUND) })
        // Refuses a declared Content-Length over the cap before the handler
        // runs, and cuts an undeclared (chunked) body at the cap.
        .layer(RequestBodyLimitLayer::new(MAX_BATCH_COMPRESSED_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(TraceLayer::new_for_http())
        // Outermost: every reply, including those made by the layers above.
        .layer(middleware::from_fn_with_state(state.clone(), server_time))
        .with_state(state)
}

/// Adds the server clock and the security headers to every reply, and an
/// [`ErrorBody`] to error replies that the layers produced without one
/// (their plain-text bodies are replaced).
///
/// [`ErrorBody`]: trato_domain::wire::ErrorBody
async fn server_time(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let retry_after = resp.headers().get(header::RETRY_AFTER).cloned();
        resp = ApiError::from_status(status).into_response();
        if let Some(v) = retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&now_rfc3339()) {
        resp.headers_mut().insert(SERVER_TIME_HEADER, v);
    }
    crate::dashboard::web::add_security_headers(resp.headers_mut(), state.config.served_over_tls);
    resp
}

#[derive(serde::Serialize)]
struct Health {
    status: &'static str,
    backend: &'static str,
    server_time: chrono::DateTime<Utc>,
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await.map_err(|e| {
        tracing::error!("health check: database unreachable: {e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::DatabaseUnavailable,
            "the centre cannot reach its database",
        )
    })?;
    Ok(Json(Health {
        status: "ok",
        backend: state.store.backend(),
        server_time: Utc::now(),
    }))
}

/// The kiosk behind the `Authorization: Bearer` token, rate limit applied.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<KioskAuth, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer token"))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header is not a Bearer token"))?;
    let auth = state
        .store
        .authenticate(&hash_token(token))
        .await?
        .ok_or_else(|| ApiError::unauthorized("unknown or revoked token"))?;
    if let Err(secs) = state.limiter.check(&auth.kiosk_id) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("too many requests from this kiosk; retry in {secs} s"),
        );
        e.retry_after = Some(secs);
        return Err(e);
    }
    Ok(auth)
}

async fn post_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BatchReply>, ApiError> {
    let received_at = state.clock.now();
    let auth = authenticate(&state, &headers).await?;

    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    if !gzip {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::GzipRequired,
            "a batch must be sent with Content-Encoding: gzip",
        ));
    }
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("a batch body may be at most {MAX_BATCH_COMPRESSED_BYTES} bytes compressed; send fewer responses per batch"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BATCH_COMPRESSED_BYTES as u64) {
        return Err(too_large());
    }
    // Read at most the cap, whatever the headers said.
    let bytes = match Limited::new(body, MAX_BATCH_COMPRESSED_BYTES)
        .collect()
        .await
    {
        Ok(c) => c.to_bytes(),
        Err(e) if is_length_limit(e.as_ref()) => return Err(too_large()),
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BodyUnreadable,
                format!("the request body could not be read: {e}"),
            ))
        }
    };

    // Inflating and parsing up to 16 MiB is CPU work: keep it off the
    // async workers. Lists are bounded while parsing (`ingest::decode_batch`).
    let batch = tokio::task::spawn_blocking(move || ingest::decode_batch(&bytes))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| {
            let (status, code) = match &e {
                DecodeError::Gzip(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadGzip),
                DecodeError::DecompressedTooLarge => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::DecompressedTooLarge,
                ),
                DecodeError::JsonSyntax(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadJson),
                DecodeError::JsonShape(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBatch)
                }
                DecodeError::TooManyResponses => {
                    (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooManyResponses)
                }
                DecodeError::ListTooLong(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBatch)
                }
                DecodeError::SeqOutOfRange(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBatch)
                }
            };
            ApiError::new(status, code, e.to_string())
        })?;

    ingest::check_sender(&auth, &batch).map_err(ApiError::forbidden)?;

    let n = batch.responses.len();
    let started = std::time::Instant::now();
    let reply = ingest::apply(&state, &auth, batch, received_at).await?;
    let stored = reply
        .results
        .iter()
        .filter(|r| r.outcome == trato_domain::wire::Outcome::Stored)
        .count();
    // The transaction has committed: open dashboards may refetch now.
    state.dash.live.notify(&auth.unit_clues, stored);
    tracing::info!(
        kiosk = %auth.kiosk_id,
        unit = %auth.unit_clues,
        responses = n,
        stored,
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "batch applied"
    );
    Ok(Json(reply))
}

fn is_length_limit(mut e: &(dyn std::error::Error + 'static)) -> bool {
    loop {
        if e.is::<LengthLimitError>() {
            return true;
        }
        match e.source() {
            Some(s) => e = s,
            None => return false,
        }
    }
}

async fn active_survey(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ActiveSurveyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ActiveSurveyReply>, ApiError> {
    let auth = authenticate(&state, &headers).await?;
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadQuery,
                e.body_text(),
            ))
        }
    };
    let unit = q.unit.clone().unwrap_or_else(|| auth.unit_clues.clone());
    validate_clues(&unit)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadClues, e.to_string()))?;
    if unit != auth.unit_clues {
        return Err(ApiError::forbidden(format!(
            "this kiosk's token is for unit {}, not {unit}",
            auth.unit_clues
        )));
    }
    // A kiosk that does not say which format it reads predates formats: 1.
    let reads = q.format.unwrap_or(1);
    record_kiosk_survey(&state, &auth.kiosk_id, &q, reads).await?;
    let running = q.survey.as_deref().zip(q.version);
    let offer = state.surveys.offer(&unit, reads, running).await?;
    Ok(Json(ActiveSurveyReply {
        server_time: Utc::now(),
        survey: offer.survey,
        withheld: offer.withheld,
    }))
}

/// Keeps what the kiosk said about its survey, for `survey list`.
async fn record_kiosk_survey(
    state: &AppState,
    kiosk_id: &str,
    q: &ActiveSurveyQuery,
    reads: u32,
) -> Result<(), ApiError> {
    let (Some(survey_id), Some(survey_version)) = (&q.survey, q.version) else {
        return Ok(());
    };
    let bounded = |s: &str, max: usize| s.chars().take(max).collect::<String>();
    state
        .store
        .put_kiosk_survey(KioskSurveyReport {
            kiosk_id: kiosk_id.to_owned(),
            reads_format: reads,
            survey_id: bounded(survey_id, 64),
            survey_version,
            problem: bounded(q.problem.as_deref().unwrap_or(""), MAX_PROBLEM_CHARS),
            reported_at: state.clock.now(),
        })
        .await?;
    Ok(())
}
