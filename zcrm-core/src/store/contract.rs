//! The behaviour every [`TokenStore`] must have. Each store's tests call [`run`] on an empty
//! store; a custom store can do the same. With the `db` feature, [`signin_storm`] measures a
//! `DbStore` (with a database feature) under many processes signing in at once.

#[cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite"))]
mod storm;
#[cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite"))]
pub use storm::{run_storm_child_if_asked, signin_storm, StormConfig, StormReport, StormTable};

use super::TokenStore;
use crate::secret::{AccessToken, ClientSecret, RefreshToken};
use crate::token::StoredToken;

fn token(user: &str, access: &str) -> StoredToken {
    StoredToken {
        user_name: Some(user.to_string()),
        client_id: Some("1000.CLIENT".into()),
        client_secret: Some(ClientSecret::new("secret, with \"quotes\"")),
        refresh_token: Some(RefreshToken::new(format!("1000.refresh.{user}"))),
        access_token: Some(AccessToken::new(access)),
        expiry_time: Some(1_795_863_405_468),
        redirect_url: Some("http://localhost/cb".into()),
        api_domain: Some("https://www.zohoapis.com".into()),
        ..Default::default()
    }
}

/// Checks the contract on an empty store; panics with what failed.
pub async fn run(store: &dyn TokenStore) {
    assert!(
        store.list().await.unwrap().is_empty(),
        "the store must start empty"
    );
    assert!(store.find_by_id("1").await.unwrap().is_none());
    assert!(store.find_by_user("a@x.example:1").await.unwrap().is_none());

    let a = store
        .save(&token("a@x.example:1", "1000.a1"))
        .await
        .unwrap();
    assert_eq!(a.id.as_deref(), Some("1"), "first id is 1");
    let b = store
        .save(&token("b@x.example:1", "1000.b1"))
        .await
        .unwrap();
    assert_eq!(b.id.as_deref(), Some("2"));

    let found = store
        .find_by_user("a@x.example:1")
        .await
        .unwrap()
        .expect("found by user");
    assert_eq!(found, a, "every field round-trips, secrets included");
    assert_eq!(
        store.find_by_id("2").await.unwrap().expect("found by id"),
        b
    );

    // Logging in again as the same user-org updates the row and keeps its id.
    let again = store
        .save(&token("a@x.example:1", "1000.a2"))
        .await
        .unwrap();
    assert_eq!(again.id.as_deref(), Some("1"));
    assert_eq!(store.list().await.unwrap().len(), 2);
    assert_eq!(
        store
            .find_by_id("1")
            .await
            .unwrap()
            .unwrap()
            .access_token
            .unwrap()
            .expose(),
        "1000.a2"
    );

    // Saving by id updates that row, even when fields are cleared.
    let mut cleared = again.clone();
    cleared.access_token = None;
    cleared.expiry_time = None;
    store.save(&cleared).await.unwrap();
    let got = store.find_by_id("1").await.unwrap().unwrap();
    assert_eq!((got.access_token, got.expiry_time), (None, None));

    // A token without a user (an access-token-only token) gets its own row.
    let anon = store
        .save(&StoredToken {
            access_token: Some(AccessToken::new("1000.only")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(anon.id.as_deref(), Some("3"));

    assert!(store.delete("2").await.unwrap());
    assert!(
        !store.delete("2").await.unwrap(),
        "deleting an unknown id says so"
    );
    assert!(store.find_by_id("2").await.unwrap().is_none());

    // Ids compare as numbers: after 10 comes 11, not a duplicate.
    for i in 0..9 {
        store
            .save(&token(&format!("n{i}@x.example:1"), "1000.n"))
            .await
            .unwrap();
    }
    let max = store
        .list()
        .await
        .unwrap()
        .iter()
        .filter_map(|t| t.id.as_deref()?.parse::<u64>().ok())
        .max()
        .unwrap();
    assert_eq!(max, 12);
    let next = store
        .save(&token("last@x.example:1", "1000.l"))
        .await
        .unwrap();
    assert_eq!(next.id.as_deref(), Some("13"));

    store.delete_all().await.unwrap();
    assert!(store.list().await.unwrap().is_empty());
}
