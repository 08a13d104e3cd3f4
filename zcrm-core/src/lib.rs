//! `zcrm-core`: the runtime of the zcrm Zoho CRM SDK.
//!
//! This crate holds what every typed or dynamic call needs: data centres and environments (this
//! release), and, as the SDK grows, OAuth flows, token stores, configuration and the HTTP client.
//!
//! ```
//! use zcrm_core::environment::{DataCenter, Environment};
//! let env = DataCenter::Eu.environment(Environment::Sandbox);
//! assert_eq!(env.api_url(), "https://sandbox.zohoapis.eu");
//! assert_eq!(env.accounts_url(), "https://accounts.zoho.eu");
//! ```

pub mod environment;
pub mod error;
pub mod secret;
pub mod store;
pub mod token;

pub use error::{ConfigError, Error, ErrorKind, OAuthError, StoreError};
pub use token::StoredToken;
