//! The browser's side of the server-based (web login) flow: the URL of Zoho's consent page a
//! person is sent to, and the callback Zoho redirects back with (`code`, `state`, `location`,
//! `accounts-server`, or `error`).
//!
//! ```
//! use zcrm_core::oauth::{authorize_url, new_state, Callback};
//! use zcrm_core::{DataCenter, Environment};
//!
//! let env = DataCenter::Eu.environment(Environment::Production);
//! let state = new_state(); // keep it in the person's session
//! let url = authorize_url(env.accounts_url(), "1000.CLIENT", "https://app.example/callback",
//!                         &["ZohoCRM.modules.ALL"], &state)?;
//! assert!(url.starts_with("https://accounts.zoho.eu/oauth/v2/auth?"));
//!
//! // ... Zoho redirects back to https://app.example/callback?code=...&state=...
//! let back = Callback::parse(&format!(
//!     "code=1000.abc&state={state}&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu"
//! ));
//! let code = back.grant(&state)?;          // the grant token, once the state matches
//! assert_eq!(back.data_center()?, DataCenter::Eu);
//! # let _ = code;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(doc)]
use crate::environment::ApiEnvironment;
use crate::environment::{DataCenter, UnknownDataCenter};
use crate::error::{ConfigError, Error, OAuthError};
use crate::secret::GrantToken;

/// A fresh `state` for one sign-in: 32 random hex characters. Keep it with the person's
/// session and give it to [`Callback::grant`] when Zoho redirects back.
pub fn new_state() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| format!("{:02x}", rng.gen::<u8>()))
        .collect()
}

/// The URL of Zoho's consent page (on `accounts_url`, the accounts server of the client's data
/// centre: [`ApiEnvironment::accounts_url`]) for a server-based client: `scope`, `client_id`,
/// `response_type=code`, `access_type=offline` and `prompt=consent` (so that the grant comes
/// with a refresh token), `redirect_uri` and `state`, encoded. Refused: an empty client id or
/// state, a redirect URI that is not `http(s)://`, no scope, or a scope holding a space or a
/// comma.
pub fn authorize_url(
    accounts_url: &str,
    client_id: &str,
    redirect_uri: &str,
    scopes: &[&str],
    state: &str,
) -> Result<String, Error> {
    let invalid = |field: &'static str, reason: String| -> Result<String, Error> {
        Err(ConfigError::Invalid { field, reason }.into())
    };
    if client_id.trim().is_empty() {
        return invalid(
            "client_id",
            "the client id is empty (the API console shows it)".into(),
        );
    }
    let lower = redirect_uri.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return invalid(
            "redirect_uri",
            format!(
                "`{}` is not an http(s) URL; give the redirect URI registered for the client",
                redirect_uri.escape_debug()
            ),
        );
    }
    if scopes.is_empty() {
        return invalid(
            "scope",
            "no scope asked; give at least one, such as `ZohoCRM.modules.ALL`".into(),
        );
    }
    if let Some(bad) = scopes
        .iter()
        .find(|s| s.is_empty() || s.contains([',', ' ']))
    {
        return invalid(
            "scope",
            format!(
                "`{}` is not one scope (no spaces or commas: give each scope as its own item)",
                bad.escape_debug()
            ),
        );
    }
    if state.trim().is_empty() {
        return invalid(
            "state",
            "the state is empty; give each sign-in a fresh one (new_state()) and check it on the callback".into(),
        );
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("scope", &scopes.join(","))
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", state)
        .finish();
    Ok(format!(
        "{}/oauth/v2/auth?{query}",
        accounts_url.trim_end_matches('/')
    ))
}

/// The query Zoho redirects back to the redirect URI with.
#[derive(Debug, Clone, Default)]
pub struct Callback {
    /// The grant code (redacted in `Debug`).
    pub code: Option<GrantToken>,
    /// The `state` sent with the consent request.
    pub state: Option<String>,
    /// The data centre's `location` (`us`, `eu`, ...).
    pub location: Option<String>,
    /// The accounts server of the person's data centre (`https://accounts.zoho.eu`).
    pub accounts_server: Option<String>,
    /// The refusal (`access_denied` when the person declined).
    pub error: Option<String>,
}

impl Callback {
    /// Reads a callback from its query string (with or without the leading `?`, or the whole
    /// callback URL). Unknown parameters are ignored; a parameter given twice keeps its first
    /// value; empty values count as absent.
    pub fn parse(query: &str) -> Callback {
        let query = match query.split_once('?') {
            Some((_, q)) => q,
            None => query,
        };
        let query = query.split('#').next().unwrap_or("");
        let mut out = Callback::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            if v.is_empty() {
                continue;
            }
            let v = v.into_owned();
            match k.as_ref() {
                "code" if out.code.is_none() => out.code = Some(GrantToken::new(v)),
                "state" if out.state.is_none() => out.state = Some(v),
                "location" if out.location.is_none() => out.location = Some(v),
                "accounts-server" if out.accounts_server.is_none() => out.accounts_server = Some(v),
                "error" if out.error.is_none() => out.error = Some(v),
                _ => {}
            }
        }
        out
    }

    /// The grant code, once the callback is checked: its `state` must equal `expected` (the
    /// one kept for this sign-in; compared in constant time), it must not carry an `error`,
    /// and it must carry a code. Each failure is an [`OAuthError`] saying what happened.
    pub fn grant(&self, expected: &str) -> Result<GrantToken, Error> {
        let matches = !expected.is_empty()
            && self
                .state
                .as_deref()
                .is_some_and(|s| constant_time_eq(s.as_bytes(), expected.as_bytes()));
        if !matches {
            return Err(OAuthError::StateMismatch.into());
        }
        if let Some(e) = &self.error {
            return Err(match e.as_str() {
                "access_denied" => OAuthError::AccessDenied,
                other => OAuthError::Other {
                    error: other.to_string(),
                    description: "Zoho refused the sign-in".into(),
                },
            }
            .into());
        }
        self.code.clone().ok_or_else(|| OAuthError::NoCode.into())
    }

    /// The person's data centre: from `accounts-server` when it names one, else from
    /// `location`. An accounts server that is not Zoho's is never taken (the client secret is
    /// sent there next).
    pub fn data_center(&self) -> Result<DataCenter, UnknownDataCenter> {
        if let Some(server) = &self.accounts_server {
            if let Ok(dc) = DataCenter::from_accounts_server(server) {
                return Ok(dc);
            }
        }
        self.location.as_deref().unwrap_or("").parse()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Environment;
    use proptest::prelude::*;

    fn us() -> String {
        DataCenter::Us
            .environment(Environment::Production)
            .accounts_url()
            .to_string()
    }

    #[test]
    fn the_consent_url_carries_every_parameter_encoded() {
        let url = authorize_url(
            &us(),
            "1000.ID",
            "https://app.example/cb?x=1&y=2",
            &["ZohoCRM.modules.ALL", "ZohoCRM.users.READ"],
            "s t&a",
        )
        .unwrap();
        assert_eq!(
            url,
            "https://accounts.zoho.com/oauth/v2/auth?scope=ZohoCRM.modules.ALL%2CZohoCRM.users.READ&client_id=1000.ID&response_type=code&access_type=offline&prompt=consent&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1%26y%3D2&state=s+t%26a"
        );
        let back = Callback::parse(&url);
        assert_eq!(back.state.as_deref(), Some("s t&a"));
    }

    #[test]
    fn bad_consent_requests_say_what_is_wrong() {
        let cases: [(&str, &str, &[&str], &str, &str); 5] = [
            ("", "https://a/cb", &["s"], "x", "client id"),
            ("id", "javascript:alert(1)", &["s"], "x", "redirect"),
            ("id", "https://a/cb", &[], "x", "no scope"),
            ("id", "https://a/cb", &["a,b"], "x", "one scope"),
            ("id", "https://a/cb", &["s"], " ", "state"),
        ];
        for (id, redirect, scopes, state, words) in cases {
            let e = authorize_url(&us(), id, redirect, scopes, state).unwrap_err();
            assert!(e.to_string().contains(words), "{words}: {e}");
        }
    }

    #[test]
    fn callbacks_are_checked_before_the_code_is_given() {
        let ok = Callback::parse("?code=1000.c&state=abc&location=eu");
        assert_eq!(ok.grant("abc").unwrap().expose(), "1000.c");
        assert_eq!(ok.data_center().unwrap(), DataCenter::Eu);
        let err = |c: &Callback, expected: &str| c.grant(expected).unwrap_err().to_string();
        assert!(err(&ok, "abd").contains("state"));
        assert!(err(&ok, "").contains("state"));
        assert!(err(&Callback::parse("code=1&state="), "").contains("state"));
        let denied = Callback::parse("error=access_denied&state=abc");
        assert!(err(&denied, "abc").contains("declined"));
        assert!(err(&Callback::parse("state=abc"), "abc").contains("no code"));
        // An accounts server that is not Zoho's is not taken; location decides.
        let spoof = Callback::parse("accounts-server=https%3A%2F%2Fevil.example&location=in");
        assert_eq!(spoof.data_center().unwrap(), DataCenter::In);
        let named = Callback::parse("accounts-server=https%3A%2F%2Faccounts.zoho.com.au");
        assert_eq!(named.data_center().unwrap(), DataCenter::Au);
        assert!(Callback::parse("").data_center().is_err());
        // The code never shows in Debug.
        assert!(!format!("{ok:?}").contains("1000.c"));
    }

    proptest! {
        /// Any query parses, and a callback only gives a code when its state matches.
        #[test]
        fn any_query_parses(q in ".{0,200}", expected in "[a-f0-9]{1,8}") {
            let c = Callback::parse(&q);
            if c.grant(&expected).is_ok() {
                prop_assert_eq!(c.state.as_deref(), Some(expected.as_str()));
            }
        }
    }
}
