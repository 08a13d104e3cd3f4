#![warn(missing_docs)]
//! `zcrm-core`: the runtime of the zcrm Zoho CRM SDK.
//!
//! This crate holds what every typed or dynamic call needs: data centres and environments, the
//! OAuth flows ([`oauth`], [`OAuthToken`]), token stores ([`store`]), configuration
//! ([`SdkConfig`]), the [`Client`] (HTTP with retries, token refresh, a concurrency limit),
//! records over any module ([`records`]), file uploads and downloads ([`upload`],
//! [`download`]), field metadata and picklist validation ([`metadata`]), and errors
//! ([`Error`]). Typed modules come from `zcrm-modules`.
//!
//! ```
//! use zcrm_core::environment::{DataCenter, Environment};
//! let env = DataCenter::Eu.environment(Environment::Sandbox);
//! assert_eq!(env.api_url(), "https://sandbox.zohoapis.eu");
//! assert_eq!(env.accounts_url(), "https://accounts.zoho.eu");
//! ```

#[cfg(test)]
mod arbitrary;
pub mod auth;
pub mod client;
pub mod config;
pub mod download;
pub mod environment;
pub mod error;
pub(crate) mod http;
pub mod limits;
pub mod logging;
pub mod metadata;
pub mod notification;
pub mod oauth;
pub mod outcome;
mod record_id;
pub mod records;
pub mod secret;
pub mod store;
pub mod token;
pub mod types;
pub mod upload;

/// HTTP methods: the `http` crate's type, which every Rust HTTP stack shares (no HTTP client's
/// type is part of this crate's API).
pub use ::http::Method;
pub use auth::{OAuthToken, TokenSource};
pub use client::{ApiRequest, ApiResponse, Client, ClientBuilder};
pub use config::{ProxyConfig, RetryPolicy, SdkConfig};
pub use environment::{ApiEnvironment, DataCenter, Environment};
pub use error::{
    ConfigError, Error, ErrorKind, OAuthError, PartialWrite, PicklistError, ProtocolError,
    StoreError,
};
pub use http::{redact, HttpPool};
pub use limits::OrgLimits;
#[doc(hidden)]
pub mod method {
    //! HTTP methods as constants, for generated operations.
    pub use ::http::Method;
    /// GET.
    pub const GET: Method = Method::GET;
    /// POST.
    pub const POST: Method = Method::POST;
    /// PUT.
    pub const PUT: Method = Method::PUT;
    /// PATCH.
    pub const PATCH: Method = Method::PATCH;
    /// DELETE.
    pub const DELETE: Method = Method::DELETE;
}
pub use outcome::RecordOutcome;
pub use records::{
    AttachmentsTo, BulkRead, Conversion, Converted, Dynamic, DynamicRecord, ListParams,
    MassUpdateJob, MassUpdateState, MassUpdateStatus, Module, PageCursor, RecordId, RecordPage,
    Records, Related, SearchQuery,
};
pub use token::StoredToken;
