//! Secrets in newtypes whose `Debug` never prints them. There is no `Display`: reaching the
//! value takes an explicit [`expose`](ClientSecret::expose).

use std::fmt;

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            /// The secret itself; send it only in a form body or an `Authorization` header.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }
    };
}

secret!(
    /// An OAuth client secret.
    ClientSecret
);
secret!(
    /// A single-use grant code (the `code` of the OAuth redirect or a self-client code).
    GrantToken
);
secret!(
    /// A long-lived refresh token.
    RefreshToken
);
secret!(
    /// A short-lived access token.
    AccessToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        assert_eq!(
            format!("{:?}", ClientSecret::new("s3cret")),
            "ClientSecret([redacted])"
        );
        assert_eq!(
            format!("{:?}", GrantToken::new("1000.g")),
            "GrantToken([redacted])"
        );
        assert_eq!(
            format!("{:?}", RefreshToken::new("1000.r")),
            "RefreshToken([redacted])"
        );
        assert_eq!(
            format!("{:?}", AccessToken::new("1000.a")),
            "AccessToken([redacted])"
        );
        assert_eq!(
            format!("{:?}", Some(AccessToken::from("x"))),
            "Some(AccessToken([redacted]))"
        );
        assert_eq!(AccessToken::new("1000.a").expose(), "1000.a");
    }
}
