//! Authentication of CRM calls (`Authorization: Zoho-oauthtoken ...`) and scope checks.

use crate::error::ApiError;
use crate::middleware::LogSlot;
use crate::state::{App, User};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The caller of a CRM request: its user, org and granted scopes.
pub struct Caller {
    pub user: User,
    pub org_id: String,
    pub scopes: Vec<String>,
}

/// What an operation needs: `ZohoCRM.<service>[.<resource>].<op>`.
#[derive(Debug, Clone)]
pub struct Need<'a> {
    pub service: &'a str,
    pub resource: Option<&'a str>,
    pub op: &'a str,
}

impl<'a> Need<'a> {
    pub fn module(module: &'a str, op: &'a str) -> Self {
        Need {
            service: "modules",
            resource: Some(module),
            op,
        }
    }
    pub fn settings(resource: &'a str) -> Self {
        Need {
            service: "settings",
            resource: Some(resource),
            op: "READ",
        }
    }
    pub fn plain(service: &'a str, op: &'a str) -> Self {
        Need {
            service,
            resource: None,
            op,
        }
    }
}

/// Whether one granted scope covers a need. Scopes compare case-insensitively.
pub fn covers(granted: &str, need: &Need) -> bool {
    let g = granted.to_ascii_lowercase();
    let parts: Vec<&str> = g.split('.').collect();
    let (service, resource, op) = match parts.as_slice() {
        ["zohocrm", s, op] => (*s, None, *op),
        ["zohocrm", s, r, op] => (*s, Some(*r), *op),
        _ => return false,
    };
    if service != need.service {
        return false;
    }
    if let (Some(r), Some(n)) = (resource, need.resource) {
        // System modules are scoped without their `__s`: `ZohoCRM.modules.appointments.READ`
        // covers `Appointments__s`, `ZohoCRM.modules.services.ALL` covers `Services__s`.
        let stem = n.strip_suffix("__s").filter(|s| !s.is_empty());
        if !r.eq_ignore_ascii_case(n) && !stem.is_some_and(|s| r.eq_ignore_ascii_case(s)) {
            return false;
        }
    }
    let need_op = need.op.to_ascii_lowercase();
    op == "all"
        || op == need_op
        || (op == "write" && matches!(need_op.as_str(), "create" | "update" | "delete"))
}

impl Caller {
    /// Fails with `OAUTH_SCOPE_MISMATCH` unless a granted scope covers `need`.
    pub fn require(&self, need: Need) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| covers(s, &need)) {
            Ok(())
        } else {
            Err(ApiError::scope_mismatch())
        }
    }
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::authentication_failure)?;
        let token = header
            .strip_prefix("Zoho-oauthtoken ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::authentication_failure)?;
        let world = app.world();
        let at = world
            .access_tokens
            .get(token)
            .ok_or_else(ApiError::invalid_token)?;
        let slot = parts.extensions.get::<LogSlot>().cloned();
        if let Some(s) = &slot {
            s.set_token(&at.tag);
        }
        if at.expires_at <= crate::clock::now() {
            return Err(ApiError::invalid_token());
        }
        let user = world
            .users
            .get(&at.user_id)
            .cloned()
            .ok_or_else(ApiError::invalid_token)?;
        let org = world
            .orgs
            .get(&user.org_id)
            .ok_or_else(ApiError::invalid_token)?;
        if let Some(s) = &slot {
            s.set_org(&org.zgid);
        }
        Ok(Caller {
            org_id: user.org_id.clone(),
            user,
            scopes: at.scopes.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_matching() {
        let leads_read = Need::module("Leads", "READ");
        assert!(covers("ZohoCRM.modules.ALL", &leads_read));
        assert!(covers("zohocrm.modules.leads.read", &leads_read));
        assert!(!covers("ZohoCRM.modules.contacts.READ", &leads_read));
        assert!(!covers("ZohoCRM.modules.leads.CREATE", &leads_read));
        assert!(covers(
            "ZohoCRM.modules.leads.WRITE",
            &Need::module("Leads", "CREATE")
        ));
        assert!(covers("ZohoCRM.settings.ALL", &Need::settings("fields")));
        assert!(covers(
            "ZohoCRM.settings.fields.READ",
            &Need::settings("fields")
        ));
        assert!(!covers(
            "ZohoCRM.settings.modules.READ",
            &Need::settings("fields")
        ));
        assert!(!covers("ZohoCRM.users.READ", &Need::plain("org", "READ")));
        let appointments = Need::module("Appointments__s", "CREATE");
        assert!(covers("ZohoCRM.modules.appointments.CREATE", &appointments));
        assert!(covers("ZohoCRM.modules.Appointments__s.ALL", &appointments));
        assert!(!covers("ZohoCRM.modules.services.ALL", &appointments));
        assert!(covers(
            "ZohoCRM.modules.services.READ",
            &Need::module("Services__s", "READ")
        ));
        assert!(!covers("garbage", &leads_read));
    }
}
