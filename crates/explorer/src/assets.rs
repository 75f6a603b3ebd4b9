//! The files the browser loads, compiled into the binary (no CDN, no npm build, no remote
//! font): the page's ES modules, its stylesheet and its icons.
use axum::{
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::state::Explorer;

/// Every served file: name, content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript",
        include_bytes!("../assets/app.js"),
    ),
    (
        "wallet.js",
        "text/javascript",
        include_bytes!("../assets/wallet.js"),
    ),
    (
        "verify.js",
        "text/javascript",
        include_bytes!("../assets/verify.js"),
    ),
    (
        "keccak.js",
        "text/javascript",
        include_bytes!("../assets/keccak.js"),
    ),
    (
        "base58.js",
        "text/javascript",
        include_bytes!("../assets/base58.js"),
    ),
    (
        "style.css",
        "text/css",
        include_bytes!("../assets/style.css"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../assets/icon.svg"),
    ),
    (
        "icon.png",
        "image/png",
        include_bytes!("../assets/icon.png"),
    ),
];

/// `GET /static/{file}`.
pub fn router() -> Router<Explorer> {
    Router::new().route("/static/{file}", get(file))
}

async fn file(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
