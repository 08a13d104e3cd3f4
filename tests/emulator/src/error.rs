//! Zoho's error envelope: `{"code","details","message","status":"error"}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// An error answered in Zoho's shape, either bare or wrapped in `{"data":[...]}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// The error object (`code`, `details`, `message`, `status`).
    pub body: Value,
    wrapped: bool,
    /// Whether an empty `"info": {}` goes beside the `data` array (bulk read errors).
    info: bool,
}

impl ApiError {
    /// A bare error object with the given status.
    pub fn new(status: StatusCode, code: &str, message: &str, details: Value) -> Self {
        ApiError {
            status,
            body: item(code, message, details),
            wrapped: false,
            info: false,
        }
    }

    /// Answers the error as `{"data":[...],"info":{}}`, as bulk read does.
    pub fn wrapped_with_info(mut self) -> Self {
        self.wrapped = true;
        self.info = true;
        self
    }

    /// Answers the error inside a `{"data":[...]}` array, as Zoho does for write calls.
    pub fn wrapped(mut self) -> Self {
        self.wrapped = true;
        self
    }

    /// The error's `code`.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn invalid_module(index: usize) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"resource_path_index": index}),
        )
    }

    pub fn required_param(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": name}),
        )
    }

    pub fn invalid_param(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"param_name": name}),
        )
    }

    pub fn invalid_id(id: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "the id given seems to be invalid",
            json!({"id": id}),
        )
    }

    pub fn invalid_body(reason: String) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_DATA",
            "invalid data",
            json!({"reason": reason}),
        )
    }

    pub fn invalid_url() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
            json!({}),
        )
    }

    pub fn invalid_method() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_METHOD",
            "The http request method type is not a valid one",
            json!({}),
        )
    }

    pub fn authentication_failure() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!({}),
        )
    }

    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_TOKEN",
            "invalid oauth token",
            json!({}),
        )
    }

    pub fn scope_mismatch() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "OAUTH_SCOPE_MISMATCH",
            "Unauthorized",
            json!({}),
        )
    }

    pub fn too_many_requests(reason: &str) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            reason,
            json!({}),
        )
    }
}

/// A Zoho result item: `{"code","details","message","status"}`.
pub fn item(code: &str, message: &str, details: Value) -> Value {
    json!({
        "code": code,
        "details": details,
        "message": message,
        "status": if code == "SUCCESS" { "success" } else { "error" },
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = if self.info {
            json!({ "data": [self.body], "info": {} })
        } else if self.wrapped {
            json!({ "data": [self.body] })
        } else {
            self.body
        };
        json_response(self.status, &body)
    }
}

/// A JSON response with the given status.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    json_bytes(status, body.to_string().into_bytes())
}

/// A JSON response from text already written.
pub fn json_bytes(status: StatusCode, body: impl Into<axum::body::Bytes>) -> Response {
    let mut resp = (status, body.into()).into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

/// `204 No Content` with an empty body.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Result type of CRM handlers.
pub type ApiResult = Result<Response, ApiError>;
