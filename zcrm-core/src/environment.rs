//! Data centres x environments, with the exact API, accounts and file-upload URLs Zoho uses,
//! and custom environments for emulators and proxies.

use std::fmt;
use std::str::FromStr;

/// A Zoho data centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataCenter {
    /// United States (`us`).
    Us,
    /// Europe (`eu`).
    Eu,
    /// India (`in`).
    In,
    /// China (`cn`).
    Cn,
    /// Australia (`au`).
    Au,
    /// Japan (`jp`).
    Jp,
    /// Canada (`ca`).
    Ca,
    /// Saudi Arabia (`sa`).
    Sa,
    /// United Kingdom (`uk`).
    Uk,
}

/// The environment of an org within a data centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The live org.
    Production,
    /// A developer edition org.
    Developer,
    /// A sandbox of a production org.
    Sandbox,
}

impl DataCenter {
    /// Every data centre.
    pub const ALL: [DataCenter; 9] = [
        DataCenter::Us,
        DataCenter::Eu,
        DataCenter::In,
        DataCenter::Cn,
        DataCenter::Au,
        DataCenter::Jp,
        DataCenter::Ca,
        DataCenter::Sa,
        DataCenter::Uk,
    ];

    /// The `location` code Zoho's OAuth redirect carries.
    pub fn location(self) -> &'static str {
        match self {
            DataCenter::Us => "us",
            DataCenter::Eu => "eu",
            DataCenter::In => "in",
            DataCenter::Cn => "cn",
            DataCenter::Au => "au",
            DataCenter::Jp => "jp",
            DataCenter::Ca => "ca",
            DataCenter::Sa => "sa",
            DataCenter::Uk => "uk",
        }
    }

    fn api_tld(self) -> &'static str {
        match self {
            DataCenter::Us => "com",
            DataCenter::Eu => "eu",
            DataCenter::In => "in",
            DataCenter::Cn => "com.cn",
            DataCenter::Au => "com.au",
            DataCenter::Jp => "jp",
            DataCenter::Ca => "ca",
            DataCenter::Sa => "sa",
            DataCenter::Uk => "uk",
        }
    }

    /// The accounts (OAuth) server; the same for all three environments.
    pub fn accounts_url(self) -> &'static str {
        match self {
            DataCenter::Us => "https://accounts.zoho.com",
            DataCenter::Eu => "https://accounts.zoho.eu",
            DataCenter::In => "https://accounts.zoho.in",
            DataCenter::Cn => "https://accounts.zoho.com.cn",
            DataCenter::Au => "https://accounts.zoho.com.au",
            DataCenter::Jp => "https://accounts.zoho.jp",
            DataCenter::Ca => "https://accounts.zohocloud.ca",
            DataCenter::Sa => "https://accounts.zoho.sa",
            DataCenter::Uk => "https://accounts.zoho.uk",
        }
    }

    /// The file-upload host.
    pub fn file_upload_url(self) -> String {
        match self {
            DataCenter::Ca => "https://upload.zohocloud.ca".into(),
            DataCenter::Sa => "https://files.zoho.sa".into(),
            dc => format!("https://content.zohoapis.{}", dc.api_tld()),
        }
    }

    /// The API, accounts and upload URLs of an environment in this data centre.
    pub fn environment(self, env: Environment) -> ApiEnvironment {
        let host = match env {
            Environment::Production => "www",
            Environment::Developer => "developer",
            Environment::Sandbox => "sandbox",
        };
        ApiEnvironment {
            api_url: format!("https://{host}.zohoapis.{}", self.api_tld()),
            accounts_url: self.accounts_url().to_string(),
            file_upload_url: self.file_upload_url(),
            data_center: Some((self, env)),
        }
    }

    /// The data centre of an `accounts-server` value from the OAuth redirect
    /// (`https://accounts.zoho.eu`), ignoring a trailing slash.
    pub fn from_accounts_server(url: &str) -> Result<DataCenter, UnknownDataCenter> {
        let url = url.trim().trim_end_matches('/');
        DataCenter::ALL
            .into_iter()
            .find(|dc| dc.accounts_url().eq_ignore_ascii_case(url))
            .ok_or_else(|| UnknownDataCenter(url.to_string()))
    }
}

impl FromStr for DataCenter {
    type Err = UnknownDataCenter;

    /// Parses a `location` code (`us`, `EU`, ...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DataCenter::ALL
            .into_iter()
            .find(|dc| dc.location().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownDataCenter(s.to_string()))
    }
}

impl fmt::Display for DataCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.location())
    }
}

/// A data-centre name or accounts URL that matches no data centre.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Zoho data centre `{0}`: expected one of us, eu, in, cn, au, jp, ca, sa, uk, or an accounts server such as https://accounts.zoho.eu")]
pub struct UnknownDataCenter(pub String);

/// The URLs one org is reached at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiEnvironment {
    api_url: String,
    accounts_url: String,
    file_upload_url: String,
    data_center: Option<(DataCenter, Environment)>,
}

impl ApiEnvironment {
    /// A custom environment from explicit URLs (an emulator, a proxy). Trailing slashes are
    /// removed.
    pub fn custom(api_url: &str, accounts_url: &str, file_upload_url: &str) -> ApiEnvironment {
        ApiEnvironment {
            api_url: api_url.trim_end_matches('/').to_string(),
            accounts_url: accounts_url.trim_end_matches('/').to_string(),
            file_upload_url: file_upload_url.trim_end_matches('/').to_string(),
            data_center: None,
        }
    }

    /// The API domain, without a path (`https://www.zohoapis.com`).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The accounts server (`https://accounts.zoho.com`).
    pub fn accounts_url(&self) -> &str {
        &self.accounts_url
    }

    /// The token endpoint of the accounts server.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/v2/token", self.accounts_url)
    }

    /// The file-upload host.
    pub fn file_upload_url(&self) -> &str {
        &self.file_upload_url
    }

    /// The data centre and environment, unless custom.
    pub fn data_center(&self) -> Option<(DataCenter, Environment)> {
        self.data_center
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_match_zoho() {
        let us = DataCenter::Us.environment(Environment::Production);
        assert_eq!(us.api_url(), "https://www.zohoapis.com");
        assert_eq!(us.token_url(), "https://accounts.zoho.com/oauth/v2/token");
        assert_eq!(us.file_upload_url(), "https://content.zohoapis.com");
        let ca = DataCenter::Ca.environment(Environment::Developer);
        assert_eq!(ca.api_url(), "https://developer.zohoapis.ca");
        assert_eq!(ca.accounts_url(), "https://accounts.zohocloud.ca");
        assert_eq!(ca.file_upload_url(), "https://upload.zohocloud.ca");
        assert_eq!(
            DataCenter::Au.environment(Environment::Sandbox).api_url(),
            "https://sandbox.zohoapis.com.au"
        );
        assert_eq!(DataCenter::Sa.file_upload_url(), "https://files.zoho.sa");
        assert_eq!(
            DataCenter::Cn.accounts_url(),
            "https://accounts.zoho.com.cn"
        );
    }

    #[test]
    fn parses_locations_and_accounts_servers() {
        assert_eq!("EU".parse::<DataCenter>().unwrap(), DataCenter::Eu);
        assert_eq!(
            DataCenter::from_accounts_server("https://accounts.zoho.com.au/").unwrap(),
            DataCenter::Au
        );
        let err = "mars".parse::<DataCenter>().unwrap_err();
        assert_eq!(err.to_string(), "unknown Zoho data centre `mars`: expected one of us, eu, in, cn, au, jp, ca, sa, uk, or an accounts server such as https://accounts.zoho.eu");
        for dc in DataCenter::ALL {
            assert_eq!(dc.location().parse::<DataCenter>().unwrap(), dc);
            assert_eq!(
                DataCenter::from_accounts_server(dc.accounts_url()).unwrap(),
                dc
            );
        }
    }

    #[test]
    fn custom_environments_keep_their_urls() {
        let e = ApiEnvironment::custom(
            "http://127.0.0.1:1/",
            "http://127.0.0.1:1",
            "http://127.0.0.1:1",
        );
        assert_eq!(e.api_url(), "http://127.0.0.1:1");
        assert_eq!(e.data_center(), None);
    }
}
