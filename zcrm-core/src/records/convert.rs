//! Converting a record into the records it becomes (Zoho converts `Leads` into a contact, an
//! account and, when asked, a deal). Written once over [`Module`], as [`Records`] is; the deal
//! is any serializable record, so a typed `DealUpdate` goes in as it is.

use super::{DynamicRecord, Module, RecordId, Records};
use crate::client::{encode_segment, ApiRequest};
use crate::error::{ConfigError, Error, ProtocolError};
use ::http::Method;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Where a converted lead's attachments go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentsTo {
    /// To the contact.
    Contacts,
    /// To the account.
    Accounts,
    /// To the deal (only when the conversion makes one).
    Deals,
}

impl AttachmentsTo {
    fn api_name(self) -> &'static str {
        match self {
            AttachmentsTo::Contacts => "Contacts",
            AttachmentsTo::Accounts => "Accounts",
            AttachmentsTo::Deals => "Deals",
        }
    }
}

/// How to convert a record: into existing or new records, who owns them, and an optional deal
/// (`D`, a typed deal update or a [`DynamicRecord`]). [`Conversion::new`] converts into a new
/// contact and a new account (or the account named by the lead's company), without a deal.
#[derive(Debug, Clone)]
pub struct Conversion<D = DynamicRecord> {
    overwrite: Option<bool>,
    notify_lead_owner: Option<bool>,
    notify_new_entity_owner: Option<bool>,
    account: Option<RecordId>,
    contact: Option<RecordId>,
    assign_to: Option<String>,
    deal: Option<D>,
    attachments_to: Option<AttachmentsTo>,
    carry_over_tags: Map<String, Value>,
}

impl Default for Conversion<DynamicRecord> {
    fn default() -> Self {
        Self::new()
    }
}

impl Conversion<DynamicRecord> {
    /// A conversion into a new contact and account, without a deal.
    pub fn new() -> Self {
        Conversion {
            overwrite: None,
            notify_lead_owner: None,
            notify_new_entity_owner: None,
            account: None,
            contact: None,
            assign_to: None,
            deal: None,
            attachments_to: None,
            carry_over_tags: Map::new(),
        }
    }
}

impl<D: Serialize> Conversion<D> {
    /// Also creates this deal (its `Deal_Name` and `Stage` are required by Zoho; its picklist
    /// values are checked against the `Deals` metadata before anything is sent).
    pub fn deal<E: Serialize>(self, deal: E) -> Conversion<E> {
        Conversion {
            overwrite: self.overwrite,
            notify_lead_owner: self.notify_lead_owner,
            notify_new_entity_owner: self.notify_new_entity_owner,
            account: self.account,
            contact: self.contact,
            assign_to: self.assign_to,
            deal: Some(deal),
            attachments_to: self.attachments_to,
            carry_over_tags: self.carry_over_tags,
        }
    }
    /// Converts into this existing account instead of a new one.
    pub fn into_account(mut self, id: RecordId) -> Self {
        self.account = Some(id);
        self
    }
    /// Converts into this existing contact instead of a new one.
    pub fn into_contact(mut self, id: RecordId) -> Self {
        self.contact = Some(id);
        self
    }
    /// Lets the lead's values overwrite those of the existing account or contact.
    pub fn overwrite(mut self, yes: bool) -> Self {
        self.overwrite = Some(yes);
        self
    }
    /// Emails the lead's owner about the conversion.
    pub fn notify_lead_owner(mut self, yes: bool) -> Self {
        self.notify_lead_owner = Some(yes);
        self
    }
    /// Emails the owner of the new records.
    pub fn notify_new_entity_owner(mut self, yes: bool) -> Self {
        self.notify_new_entity_owner = Some(yes);
        self
    }
    /// Makes this user (by id) the owner of the new records.
    pub fn assign_to(mut self, user_id: impl Into<String>) -> Self {
        self.assign_to = Some(user_id.into());
        self
    }
    /// Moves the lead's attachments to one of the records it becomes (the module's id, which
    /// Zoho also asks for, is looked up once with `GET settings/modules/{api_name}`).
    pub fn move_attachments_to(mut self, to: AttachmentsTo) -> Self {
        self.attachments_to = Some(to);
        self
    }
    /// Carries the lead's tags (by name) over to the records of `to`.
    pub fn carry_over_tags<I, S>(mut self, to: AttachmentsTo, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let tags: Vec<Value> = tags.into_iter().map(|t| Value::String(t.into())).collect();
        self.carry_over_tags
            .insert(to.api_name().into(), Value::Array(tags));
        self
    }

    /// The `data` item Zoho takes, and the deal as JSON (for its picklist checks).
    fn encode(&self) -> Result<(Value, Option<Value>), Error> {
        let mut item = Map::new();
        let flags = [
            ("overwrite", self.overwrite),
            ("notify_lead_owner", self.notify_lead_owner),
            ("notify_new_entity_owner", self.notify_new_entity_owner),
        ];
        for (key, flag) in flags {
            if let Some(flag) = flag {
                item.insert(key.into(), Value::Bool(flag));
            }
        }
        for (key, id, field) in [
            ("Accounts", &self.account, "account"),
            ("Contacts", &self.contact, "contact"),
        ] {
            if let Some(id) = id {
                if id.as_str().is_empty() {
                    return Err(ConfigError::Invalid {
                        field,
                        reason: "the record id is empty".into(),
                    }
                    .into());
                }
                item.insert(key.into(), json!({ "id": id.as_str() }));
            }
        }
        if let Some(user) = &self.assign_to {
            if user.is_empty() {
                return Err(ConfigError::Invalid {
                    field: "assign_to",
                    reason: "the user id is empty".into(),
                }
                .into());
            }
            item.insert("assign_to".into(), json!({ "id": user }));
        }
        let deal = match &self.deal {
            Some(deal) => {
                let deal = super::to_json(deal, "$.data[0].Deals", "the deal")?;
                if !deal.is_object() {
                    return Err(ConfigError::Invalid {
                        field: "deal",
                        reason: format!("a deal encodes as a JSON object, not {deal}"),
                    }
                    .into());
                }
                item.insert("Deals".into(), deal.clone());
                Some(deal)
            }
            None => None,
        };
        if let Some(to) = self.attachments_to {
            if to == AttachmentsTo::Deals && deal.is_none() {
                return Err(ConfigError::Invalid {
                    field: "move_attachments_to",
                    reason: "attachments can move to the deal only when the conversion makes one; \
                             give a deal, or move them to Contacts or Accounts"
                        .into(),
                }
                .into());
            }
            item.insert(
                "move_attachments_to".into(),
                json!({ "api_name": to.api_name() }),
            );
        }
        if self.carry_over_tags.contains_key("Deals") && deal.is_none() {
            return Err(ConfigError::Invalid {
                field: "carry_over_tags",
                reason: "tags can go to the deal only when the conversion makes one; give a \
                         deal, or carry them to Contacts or Accounts"
                    .into(),
            }
            .into());
        }
        if !self.carry_over_tags.is_empty() {
            item.insert(
                "carry_over_tags".into(),
                Value::Object(self.carry_over_tags.clone()),
            );
        }
        Ok((Value::Object(item), deal))
    }
}

/// What a record became: the ids of the contact, account and deal (each `None` when the
/// conversion made or used no such record).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Converted {
    /// The contact.
    pub contact: Option<RecordId>,
    /// The account.
    pub account: Option<RecordId>,
    /// The deal.
    pub deal: Option<RecordId>,
}

impl Converted {
    /// Reads Zoho's answer: `{"data":[{"code":"SUCCESS","details":{"Contacts":{"id","name"},..}}]}`
    /// (v7 and v8), or the older flat `{"data":[{"Contacts":"<id>",..}]}`. An item that reports
    /// an error is that error.
    pub(crate) fn from_answer(status: u16, body: &Value) -> Result<Converted, Error> {
        let malformed = |what: &str| -> Error {
            ProtocolError::Malformed {
                what: format!("the conversion's answer {what}"),
            }
            .into()
        };
        let item = body
            .get("data")
            .and_then(Value::as_array)
            .and_then(|d| d.first())
            .ok_or_else(|| malformed("has no `data[0]`"))?;
        let code = item.get("code").and_then(Value::as_str);
        let is_error = item.get("status").and_then(Value::as_str) == Some("error")
            || code.is_some_and(|c| c != "SUCCESS");
        if is_error {
            return Err(Error::Api {
                status,
                code: code.unwrap_or("UNKNOWN").into(),
                message: item
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
                details: item.get("details").cloned().unwrap_or(Value::Null),
            });
        }
        let ids = match item.get("details") {
            Some(d) if d.is_object() => d,
            _ => item,
        };
        // An id, bare or as `{"id", "name"}`; null or empty is none.
        let read = |v: &Value, at: &str| -> Result<Option<RecordId>, Error> {
            match v {
                Value::Null => Ok(None),
                Value::String(s) if s.is_empty() => Ok(None),
                v => RecordId::from_json(v)
                    .map(Some)
                    .ok_or_else(|| malformed(&format!("holds `{at}` = {v}"))),
            }
        };
        let id = |key: &str| -> Result<Option<RecordId>, Error> {
            match ids.get(key) {
                None => Ok(None),
                Some(Value::Object(o)) => match o.get("id") {
                    None => Ok(None),
                    Some(v) => read(v, &format!("{key}.id")),
                },
                Some(v) => read(v, key),
            }
        };
        let converted = Converted {
            contact: id("Contacts")?,
            account: id("Accounts")?,
            deal: id("Deals")?,
        };
        if converted == Converted::default() {
            return Err(malformed("names no contact, account or deal"));
        }
        Ok(converted)
    }
}

impl crate::client::Client {
    /// The id of module `api_name` (`GET settings/modules/{api_name}`).
    pub(crate) async fn module_id(&self, api_name: &str) -> Result<String, Error> {
        let path = format!("/settings/modules/{}", encode_segment(api_name));
        let body = self.get_json(&path, &[]).await?.unwrap_or(Value::Null);
        match body.pointer("/modules/0/id") {
            Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(ProtocolError::Malformed {
                what: format!("module {api_name} came without an id"),
            }
            .into()),
        }
    }
}

impl<M: Module> Records<M> {
    /// Converts record `id` (a lead) into a contact, an account and, when `conversion` carries
    /// one, a deal; returns their ids. Zoho charges 5 API credits per conversion.
    ///
    /// A conversion is not repeated after a lost reply (a second one answers
    /// `ID_ALREADY_CONVERTED`): that is an [`Error::UnknownOutcome`]. A lead already converted
    /// is an [`Error::Api`] with code `ID_ALREADY_CONVERTED`.
    pub async fn convert<D: Serialize>(
        &self,
        id: &RecordId,
        conversion: &Conversion<D>,
    ) -> Result<Converted, Error> {
        if id.as_str().is_empty() {
            return Err(ConfigError::Invalid {
                field: "id",
                reason: "the record id is empty".into(),
            }
            .into());
        }
        let (mut item, deal) = conversion.encode()?;
        if let Some(to) = conversion.attachments_to {
            // Zoho names the target module by its id as well as its API name.
            let id = self.client.module_id(to.api_name()).await?;
            item["move_attachments_to"]["id"] = Value::String(id);
        }
        if let Some(deal) = deal {
            self.client
                .validate_picklists("Deals", std::slice::from_ref(&deal))
                .await?;
        }
        let path = self.path(&format!("/{}/actions/convert", encode_segment(id.as_str())));
        let req = ApiRequest::with_body(Method::POST, path, json!({ "data": [item] }));
        let resp = self.client.execute(req).await?;
        // A success that cannot be read may still have converted the lead: its outcome is
        // unknown (converting again would answer ID_ALREADY_CONVERTED and the ids be lost).
        let unknown = |why: String| {
            resp.unknown_outcome(format!(
                "the conversion answered HTTP {} {why}",
                resp.status
            ))
        };
        let body = resp
            .json::<Value>()?
            .ok_or_else(|| unknown("with no body".into()))?;
        match Converted::from_answer(resp.status, &body) {
            Err(Error::Protocol(e)) => Err(unknown(format!("that does not read: {e}"))),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v7_v8_and_flat_answers() {
        let v8 = json!({"data":[{"code":"SUCCESS","status":"success","message":"The record has been converted successfully",
            "details":{"Contacts":{"id":"1","name":"A"},"Accounts":{"id":"2","name":"B"},"Deals":null}}]});
        let c = Converted::from_answer(200, &v8).unwrap();
        assert_eq!(c.contact, Some(RecordId("1".into())));
        assert_eq!(c.account, Some(RecordId("2".into())));
        assert_eq!(c.deal, None);
        let empty_deal = json!({"data":[{"code":"SUCCESS","details":{"Contacts":{"id":"1"},"Accounts":{"id":"2"},"Deals":""}}]});
        assert_eq!(Converted::from_answer(200, &empty_deal).unwrap().deal, None);
        let flat = json!({"data":[{"Contacts":"1","Accounts":"2","Deals":"3"}]});
        assert_eq!(
            Converted::from_answer(200, &flat).unwrap().deal,
            Some(RecordId("3".into()))
        );
    }

    #[test]
    fn an_error_item_in_a_2xx_is_an_error() {
        let body = json!({"data":[{"code":"ID_ALREADY_CONVERTED","status":"error","message":"id already converted","details":{"resource_path_index":1}}]});
        let err = Converted::from_answer(202, &body).unwrap_err();
        assert!(
            matches!(err, Error::Api { status: 202, ref code, .. } if code == "ID_ALREADY_CONVERTED")
        );
    }

    #[test]
    fn malformed_answers_are_protocol_errors() {
        for body in [
            json!({}),
            json!({"data":[]}),
            json!({"data":[{"code":"SUCCESS","details":{}}]}),
            json!({"data":[{"code":"SUCCESS","details":{"Contacts":[1]}}]}),
            json!({"data":[{"code":"SUCCESS","details":{"Contacts":{"id":true}}}]}),
        ] {
            let err = Converted::from_answer(200, &body).unwrap_err();
            assert!(matches!(err, Error::Protocol(_)), "{body}: {err:?}");
        }
    }

    #[test]
    fn encodes_what_zoho_takes() {
        let deal = DynamicRecord::new()
            .set("Deal_Name", "D")
            .set("Stage", "Qualification");
        let c = Conversion::new()
            .into_account(RecordId("9".into()))
            .assign_to("5")
            .overwrite(true)
            .move_attachments_to(AttachmentsTo::Deals)
            .carry_over_tags(AttachmentsTo::Contacts, ["vip"])
            .deal(deal);
        let (item, deal) = c.encode().unwrap();
        assert_eq!(
            item,
            json!({"overwrite":true,"Accounts":{"id":"9"},"assign_to":{"id":"5"},
                "Deals":{"Deal_Name":"D","Stage":"Qualification"},
                "move_attachments_to":{"api_name":"Deals"},"carry_over_tags":{"Contacts":["vip"]}})
        );
        assert!(deal.is_some());
    }

    #[test]
    fn refuses_what_zoho_would_reject_or_misread() {
        let no_deal = Conversion::new().move_attachments_to(AttachmentsTo::Deals);
        assert!(matches!(no_deal.encode(), Err(Error::Config(_))));
        let empty = Conversion::new().into_contact(RecordId(String::new()));
        assert!(matches!(empty.encode(), Err(Error::Config(_))));
        let tags = Conversion::new().carry_over_tags(AttachmentsTo::Deals, ["x"]);
        assert!(matches!(tags.encode(), Err(Error::Config(_))));
        let nobody = Conversion::new().assign_to("");
        assert!(matches!(nobody.encode(), Err(Error::Config(_))));
        let not_object = Conversion::new().deal("a string");
        assert!(matches!(not_object.encode(), Err(Error::Config(_))));
    }
}
