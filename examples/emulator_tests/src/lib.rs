//! A user's own code on zcrm, and how to test it offline with `zcrm-emulator`
//! (`tests/triage.rs`): lead triage, which moves every contacted lead that names a company to
//! `Pre-Qualified` and reports what it did.

use futures_util::TryStreamExt;
use zcrm_core::{Client, Error, ListParams, RecordId};
use zcrm_modules::leads::{Lead, LeadField, LeadStatus, LeadUpdate, Leads};

/// What a triage run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Triage {
    /// Leads moved to `Pre-Qualified`.
    pub qualified: Vec<RecordId>,
    /// Leads Zoho refused to update, with its reason.
    pub refused: Vec<(RecordId, String)>,
    /// Leads looked at.
    pub seen: usize,
}

/// Moves every `Contacted` lead with a company to `Pre-Qualified`.
pub async fn triage(client: &Client) -> Result<Triage, Error> {
    let leads = client.records(Leads);
    let all: Vec<Lead> = leads
        .list(ListParams::fields([
            LeadField::LastName,
            LeadField::Company,
            LeadField::LeadStatus,
        ]))
        .try_collect()
        .await?;
    let picked: Vec<RecordId> = all
        .iter()
        .filter(|l| {
            l.lead_status == Some(LeadStatus::Contacted)
                && l.company.as_deref().is_some_and(|c| !c.trim().is_empty())
        })
        .filter_map(|l| l.id.clone())
        .collect();
    let mut report = Triage {
        seen: all.len(),
        ..Triage::default()
    };
    if picked.is_empty() {
        return Ok(report);
    }
    let updates: Vec<LeadUpdate> = picked
        .iter()
        .map(|id| {
            LeadUpdate::new()
                .with_id(id.clone())
                .lead_status(LeadStatus::PreQualified)
        })
        .collect();
    for (id, outcome) in picked.into_iter().zip(leads.update(&updates).await?) {
        match outcome.into_result() {
            Ok(_) => report.qualified.push(id),
            Err(e) => report.refused.push((id, e.to_string())),
        }
    }
    Ok(report)
}
