//! SDK configuration: timeouts, retries, picklist validation, field-metadata caching, proxy.

use crate::error::ConfigError;
use crate::secret::ClientSecret;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How failed requests are retried: exponential backoff with full jitter, a cap, and a budget
/// shared by all requests of a client so that an outage does not multiply traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Backoff before the first retry (before jitter).
    pub initial_backoff: Duration,
    /// Largest backoff.
    pub max_backoff: Duration,
    /// Retries the client may spend before it stops retrying; each success earns one back.
    pub budget: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            budget: 100,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// An HTTP(S) proxy, optionally with credentials (the official SDK's `RequestProxy`). `Debug`
/// shows the URL without any user or password in it.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    /// `http://host:port`.
    pub url: String,
    /// User name, if the proxy needs one.
    pub username: Option<String>,
    /// Password, if the proxy needs one.
    pub password: Option<ClientSecret>,
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("url", &crate::http::redact_url_credentials(&self.url))
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

/// The default of [`SdkConfigBuilder::max_response_bytes`]: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// Configuration of a [`Client`](crate::Client).
#[derive(Debug, Clone)]
pub struct SdkConfig {
    pub(crate) auto_refresh_fields: bool,
    pub(crate) pick_list_validation: bool,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) transfer_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: String,
    pub(crate) resource_path: Option<PathBuf>,
    pub(crate) proxy: Option<ProxyConfig>,
    pub(crate) max_concurrency: Option<usize>,
    pub(crate) refresh_skew: Duration,
    pub(crate) metadata_ttl: Duration,
    pub(crate) max_response_bytes: u64,
}

impl Default for SdkConfig {
    fn default() -> Self {
        SdkConfig {
            auto_refresh_fields: false,
            pick_list_validation: true,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            transfer_timeout: Duration::from_secs(30 * 60),
            retry: RetryPolicy::default(),
            user_agent: format!("zcrm/{} (Rust)", env!("CARGO_PKG_VERSION")),
            resource_path: None,
            proxy: None,
            max_concurrency: None,
            refresh_skew: Duration::from_secs(60),
            metadata_ttl: Duration::from_secs(3600),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl SdkConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> SdkConfigBuilder {
        SdkConfigBuilder {
            config: SdkConfig::default(),
            error: None,
        }
    }

    /// Whether field metadata is revalidated when older than its time to live.
    pub fn auto_refresh_fields(&self) -> bool {
        self.auto_refresh_fields
    }
    /// Whether picklist values are checked before writes.
    pub fn pick_list_validation(&self) -> bool {
        self.pick_list_validation
    }
    /// Time allowed to connect.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// Time allowed for a whole response, after connecting.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }
    /// Time allowed for a file upload or download (attachments, photos, files, bulk files),
    /// body included, in place of the read timeout.
    pub fn transfer_timeout(&self) -> Duration {
        self.transfer_timeout
    }
    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }
    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
    /// The directory of the field-metadata cache, if set.
    pub fn resource_path(&self) -> Option<&Path> {
        self.resource_path.as_deref()
    }
    /// The proxy, if any.
    pub fn proxy(&self) -> Option<&ProxyConfig> {
        self.proxy.as_ref()
    }
    /// Simultaneous requests per client when set; otherwise the client uses Zoho's limit for the
    /// org's edition (Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25).
    pub fn max_concurrency(&self) -> Option<usize> {
        self.max_concurrency
    }
    /// How long before expiry an access token is refreshed.
    pub fn refresh_skew(&self) -> Duration {
        self.refresh_skew
    }
    /// How old cached field metadata may get before `auto_refresh_fields` revalidates it.
    pub fn metadata_ttl(&self) -> Duration {
        self.metadata_ttl
    }
    /// The largest response body read into memory.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }
}

/// Builds an [`SdkConfig`]; [`build`](SdkConfigBuilder::build) reports the first invalid value.
#[derive(Debug, Clone)]
pub struct SdkConfigBuilder {
    config: SdkConfig,
    error: Option<ConfigError>,
}

impl SdkConfigBuilder {
    /// Revalidate field metadata older than its time to live (default `false`).
    pub fn auto_refresh_fields(mut self, on: bool) -> Self {
        self.config.auto_refresh_fields = on;
        self
    }
    /// Check picklist values before writes (default `true`).
    pub fn pick_list_validation(mut self, on: bool) -> Self {
        self.config.pick_list_validation = on;
        self
    }
    /// Time allowed to connect (default 10 s); applies to every request, token calls included.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.config.connect_timeout = t;
        self
    }
    /// Time allowed for a response (default 60 s); applies to every request, token calls
    /// included.
    pub fn read_timeout(mut self, t: Duration) -> Self {
        self.config.read_timeout = t;
        self
    }
    /// Time allowed for a file upload or download, body included (default 30 minutes): the
    /// attachment, photo, file and bulk-file calls use it in place of the read timeout, which a
    /// large file may outlast.
    pub fn transfer_timeout(mut self, t: Duration) -> Self {
        self.config.transfer_timeout = t;
        self
    }
    /// The retry policy.
    pub fn retry(mut self, r: RetryPolicy) -> Self {
        self.config.retry = r;
        self
    }
    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.config.user_agent = ua.into();
        self
    }
    /// Directory of the field-metadata cache: must exist and be writable.
    pub fn resource_path(mut self, dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        if let Err(e) = check_dir(&dir) {
            self.error.get_or_insert(e);
        }
        self.config.resource_path = Some(dir);
        self
    }
    /// An HTTP(S) proxy for every request.
    pub fn proxy(mut self, p: ProxyConfig) -> Self {
        self.config.proxy = Some(p);
        self
    }
    /// Simultaneous requests per client (default 10).
    pub fn max_concurrency(mut self, n: usize) -> Self {
        if n == 0 {
            self.error.get_or_insert(ConfigError::Invalid {
                field: "max_concurrency",
                reason: "must be at least 1".into(),
            });
        }
        self.config.max_concurrency = Some(n);
        self
    }
    /// Revalidate cached field metadata older than this when `auto_refresh_fields` is on
    /// (default one hour).
    pub fn metadata_ttl(mut self, d: Duration) -> Self {
        self.config.metadata_ttl = d;
        self
    }
    /// Refresh access tokens this long before they expire (default 60 s).
    pub fn refresh_skew(mut self, d: Duration) -> Self {
        self.config.refresh_skew = d;
        self
    }
    /// The largest response body the SDK reads into memory (default 64 MiB): a larger answer
    /// is [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge), read no further (or, for a
    /// 2xx answer to a request that is not safe to repeat, such as a create, an
    /// [`Error::UnknownOutcome`](crate::Error::UnknownOutcome): the server applied it).
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        if bytes == 0 {
            self.error.get_or_insert(ConfigError::Invalid {
                field: "max_response_bytes",
                reason: "must be at least 1".into(),
            });
        }
        self.config.max_response_bytes = bytes;
        self
    }
    /// The configuration, or the first invalid value.
    pub fn build(self) -> Result<SdkConfig, ConfigError> {
        if self.config.retry.max_attempts == 0 {
            return Err(ConfigError::Invalid {
                field: "retry.max_attempts",
                reason: "must be at least 1 (1 disables retries)".into(),
            });
        }
        if let Some(p) = &self.config.proxy {
            if !(p.url.starts_with("http://") || p.url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    field: "proxy.url",
                    reason: format!(
                        "`{}` must start with http:// or https://",
                        crate::http::redact_url_credentials(&p.url)
                    ),
                });
            }
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.config),
        }
    }
}

fn check_dir(dir: &Path) -> Result<(), ConfigError> {
    let err = |reason: &str| ConfigError::ResourcePath {
        path: dir.display().to_string(),
        reason: reason.to_string(),
    };
    let meta = std::fs::metadata(dir).map_err(|_| err("does not exist"))?;
    if !meta.is_dir() {
        return Err(err("is not a directory"));
    }
    let probe = dir.join(format!(".zcrm-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|_| err("is not writable"))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_resource_path_is_a_clear_error() {
        let e = SdkConfig::builder()
            .resource_path("/definitely/not/here")
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "resource_path `/definitely/not/here` does not exist; give an existing, writable directory");
        let file = std::env::temp_dir().join(format!("zcrm-config-file-{}", std::process::id()));
        std::fs::write(&file, b"x").unwrap();
        let e = SdkConfig::builder()
            .resource_path(&file)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("is not a directory"), "{e}");
        std::fs::remove_file(file).unwrap();
        let ok = SdkConfig::builder()
            .resource_path(std::env::temp_dir())
            .build()
            .unwrap();
        assert_eq!(ok.resource_path(), Some(std::env::temp_dir().as_path()));
        let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name().to_string_lossy()
                    == format!(".zcrm-write-test-{}", std::process::id())
            })
            .collect();
        assert!(leftovers.is_empty(), "the write probe is removed");
    }

    #[test]
    fn other_invalid_values() {
        let e = SdkConfig::builder().max_concurrency(0).build().unwrap_err();
        assert_eq!(e.to_string(), "`max_concurrency`: must be at least 1");
        let e = SdkConfig::builder()
            .retry(RetryPolicy {
                max_attempts: 0,
                ..Default::default()
            })
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("retry.max_attempts"));
        let e = SdkConfig::builder()
            .proxy(ProxyConfig {
                url: "proxy:8080".into(),
                username: None,
                password: None,
            })
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("must start with http://"), "{e}");
        let e = SdkConfig::builder()
            .max_response_bytes(0)
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "`max_response_bytes`: must be at least 1");
    }
}
