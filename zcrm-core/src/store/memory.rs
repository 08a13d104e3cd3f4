//! A token store in process memory: for tests and short-lived programs.

use super::{upsert_row, TokenStore};
use crate::error::StoreError;
use crate::token::StoredToken;
use async_trait::async_trait;
use std::sync::Mutex;

/// Tokens kept in memory only.
#[derive(Debug, Default)]
pub struct MemoryStore {
    rows: Mutex<Vec<StoredToken>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn rows(&self) -> std::sync::MutexGuard<'_, Vec<StoredToken>> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn find_by_user(&self, user_name: &str) -> Result<Option<StoredToken>, StoreError> {
        Ok(self
            .rows()
            .iter()
            .find(|r| r.user_name.as_deref() == Some(user_name))
            .cloned())
    }

    async fn find_by_id(&self, id: &str) -> Result<Option<StoredToken>, StoreError> {
        Ok(self
            .rows()
            .iter()
            .find(|r| r.id.as_deref() == Some(id))
            .cloned())
    }

    async fn save(&self, token: &StoredToken) -> Result<StoredToken, StoreError> {
        Ok(upsert_row(&mut self.rows(), token))
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let mut rows = self.rows();
        let before = rows.len();
        rows.retain(|r| r.id.as_deref() != Some(id));
        Ok(rows.len() != before)
    }

    async fn list(&self) -> Result<Vec<StoredToken>, StoreError> {
        Ok(self.rows().clone())
    }

    async fn delete_all(&self) -> Result<(), StoreError> {
        self.rows().clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn contract() {
        super::super::contract::run(&super::MemoryStore::new()).await;
    }
}
