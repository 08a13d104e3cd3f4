//! Appointments and the services they book, typed against the emulator: a service written with
//! `ServiceUpdate`, an appointment for an existing contact written with `AppointmentUpdate`, both
//! read back and listed typed, and an appointment status the org does not have refused before
//! anything is sent.

mod common;

use common::setup;
use futures_util::TryStreamExt;
use serde_json::json;
use std::str::FromStr;
use zcrm_core::types::{Date, DateTime, Decimal, Lookup, UserRef};
use zcrm_core::{Error, ListParams};
use zcrm_emulator::Emulator;
use zcrm_modules::appointments_s::{
    self, Appointment, AppointmentField, AppointmentUpdate, Appointments,
};
use zcrm_modules::contacts::{Contact, ContactUpdate, Contacts};
use zcrm_modules::services_s::{
    self, AvailabilityType, AvailableDays, JobSheetRequired, Service, ServiceField, ServiceUpdate,
    Services,
};

/// Writes (not reads) the emulator received for `module`, as (method, path).
fn writes(emu: &Emulator, module: &str) -> Vec<(String, String)> {
    emu.requests()
        .into_iter()
        .filter(|r| r.path.starts_with(&format!("/crm/v7/{module}")) && r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

#[tokio::test]
async fn an_appointment_books_a_service_for_a_contact() {
    let (emu, client) = setup().await;

    // The customer: a contact that exists before the appointment is made.
    let contacts = client.records(Contacts);
    let contact_id = contacts
        .create(&[ContactUpdate::new().first_name("Ada").last_name("Lovelace")])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap();
    let contact: Contact = contacts.get(&contact_id, &[]).await.unwrap().unwrap();
    let me = contact.owner.expect("the contact has an owner").id;

    // The service, with every mandatory field of its metadata and a few more.
    let services = client.records(Services);
    let service_id = services
        .create(&[ServiceUpdate::new()
            .service_name("Boiler service")
            .duration(60)
            .price(Decimal::from_str("149.99").unwrap())
            .location(services_s::Location::BusinessAddressAndClientAddress)
            .availability_type(AvailabilityType::SpecificDayS)
            .available_days(vec![AvailableDays::Monday, AvailableDays::Wednesday])
            .available_from(Date::from_str("2026-03-01").unwrap())
            .members(json!([{"Members": {"id": me.as_str()}}]))
            .status(services_s::Status::Available)
            .job_sheet_required(JobSheetRequired::No)
            .description("Yearly check of the boiler")])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap();
    let service: Service = services.get(&service_id, &[]).await.unwrap().unwrap();
    assert_eq!(service.id.as_ref(), Some(&service_id));
    assert_eq!(service.service_name.as_deref(), Some("Boiler service"));
    assert_eq!(service.duration, Some(60));
    assert_eq!(service.price.unwrap().to_string(), "149.99");
    assert_eq!(
        service.location,
        Some(services_s::Location::BusinessAddressAndClientAddress)
    );
    assert_eq!(
        service.location.as_ref().unwrap().as_str(),
        "Business Address and Client Address"
    );
    assert_eq!(
        service.availability_type,
        Some(AvailabilityType::SpecificDayS)
    );
    assert_eq!(
        service.available_days,
        Some(vec![AvailableDays::Monday, AvailableDays::Wednesday])
    );
    assert_eq!(service.available_from.unwrap().to_string(), "2026-03-01");
    assert_eq!(service.status, Some(services_s::Status::Available));
    assert_eq!(service.job_sheet_required, Some(JobSheetRequired::No));
    assert_eq!(
        service.members.as_deref(),
        Some(&json!([{"Members": {"id": me.as_str()}}]))
    );
    assert_eq!(
        service.owner.as_ref().unwrap().email(),
        Some("patricia.boyle@zylker.example")
    );

    // The appointment: the service by a lookup, the contact by the multi-module lookup.
    let start = DateTime::from_str("2026-03-02T10:00:00+05:30").unwrap();
    let appointments = client.records(Appointments);
    let appointment_id = appointments
        .create(&[AppointmentUpdate::new()
            .appointment_name("Boiler service - Ada Lovelace")
            .service_name(Lookup::to(service_id.clone()))
            .appointment_for(Lookup::to_module("Contacts", contact_id.clone()))
            .owner(UserRef::to(me.clone()))
            .appointment_start_time(start)
            .duration(60)
            .location(appointments_s::Location::ClientAddress)
            .address("12 St James's Square, London")
            .status(appointments_s::Status::Scheduled)
            .remind_at(json!([{"unit": 1, "period": "hours"}]))
            .additional_information("Bring the spare valve")])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap();
    let appointment: Appointment = appointments
        .get(&appointment_id, &[])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(appointment.id.as_ref(), Some(&appointment_id));
    assert_eq!(
        appointment.appointment_name.as_deref(),
        Some("Boiler service - Ada Lovelace")
    );
    let booked = appointment.service_name.as_ref().unwrap();
    assert_eq!(
        (&booked.id, booked.name()),
        (&service_id, Some("Boiler service"))
    );
    let customer = appointment.appointment_for.as_ref().unwrap();
    assert_eq!(customer.id, contact_id);
    assert_eq!(customer.module(), Some("Contacts"));
    assert_eq!(customer.name(), Some("Ada Lovelace"));
    assert_eq!(appointment.owner.as_ref().unwrap().id, me);
    assert_eq!(
        appointment.appointment_start_time.unwrap().value,
        start.value
    );
    assert_eq!(appointment.duration, Some(60));
    assert_eq!(
        appointment.location,
        Some(appointments_s::Location::ClientAddress)
    );
    assert_eq!(
        appointment.address.as_deref(),
        Some("12 St James's Square, London")
    );
    assert_eq!(appointment.status, Some(appointments_s::Status::Scheduled));
    assert_eq!(appointment.status.as_ref().unwrap().as_str(), "Scheduled");
    assert_eq!(
        appointment.remind_at.as_deref(),
        Some(&json!([{"unit": 1, "period": "hours"}]))
    );
    assert_eq!(appointment.cancellation_reason, None);

    // Both list typed.
    let listed: Vec<Appointment> = appointments
        .list(ListParams::fields([
            AppointmentField::AppointmentName,
            AppointmentField::AppointmentFor,
            AppointmentField::Status,
        ]))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_ref(), Some(&appointment_id));
    assert_eq!(listed[0].status, Some(appointments_s::Status::Scheduled));
    assert_eq!(
        listed[0].appointment_for.as_ref().unwrap().module(),
        Some("Contacts")
    );
    let listed: Vec<Service> = services
        .list(ListParams::fields([
            ServiceField::ServiceName,
            ServiceField::Location,
        ]))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].service_name.as_deref(), Some("Boiler service"));
    assert_eq!(
        listed[0].location,
        Some(services_s::Location::BusinessAddressAndClientAddress)
    );

    // A status the org's appointments do not have is refused before anything is sent.
    let sent = (writes(&emu, "Appointments__s"), writes(&emu, "Services__s"));
    let refused = appointments
        .update(&[AppointmentUpdate::new()
            .with_id(appointment_id.clone())
            .status("Postponed")])
        .await
        .unwrap_err();
    match &refused {
        Error::Validation(v) => {
            assert_eq!(
                (v.module.as_str(), v.field.as_str(), v.value.as_str()),
                ("Appointments__s", "Status", "Postponed")
            );
            assert_eq!(
                v.allowed,
                ["Scheduled", "Overdue", "Completed", "Cancelled"]
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    // So is a service location the org does not have.
    let refused = services
        .update(&[ServiceUpdate::new()
            .with_id(service_id.clone())
            .location("Online")])
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Validation(v) if v.field == "Location"),
        "{refused:?}"
    );
    assert_eq!(
        (writes(&emu, "Appointments__s"), writes(&emu, "Services__s")),
        sent,
        "nothing was sent"
    );

    // The server refuses an Appointment_For in a module the field does not look up.
    let refused = appointments
        .create(&[AppointmentUpdate::new()
            .appointment_name("For a lead")
            .service_name(Lookup::to(service_id.clone()))
            .appointment_for(Lookup::to_module("Leads", contact_id.clone()))
            .owner(UserRef::to(me.clone()))
            .appointment_start_time(start)
            .location(appointments_s::Location::BusinessAddress)])
        .await
        .unwrap()[0]
        .clone()
        .into_result()
        .unwrap_err();
    match refused {
        Error::Api { code, details, .. } => {
            assert_eq!(code, "INVALID_DATA");
            assert_eq!(details["api_name"], "Appointment_For");
        }
        other => panic!("expected INVALID_DATA, got {other:?}"),
    }
}

/// `ZohoCRM.modules.appointments.*` and `ZohoCRM.modules.services.*` are the scopes of the two
/// modules (their API names end in `__s`, their scopes do not).
#[tokio::test]
async fn the_modules_have_their_own_scopes() {
    let (_emu, client) = common::setup_with(&[
        "ZohoCRM.modules.appointments.READ",
        "ZohoCRM.modules.services.READ",
        "ZohoCRM.settings.ALL",
        "ZohoCRM.users.READ",
        "ZohoCRM.org.READ",
    ])
    .await;
    let appointments: Vec<Appointment> = client
        .records(Appointments)
        .list(ListParams::fields([AppointmentField::AppointmentName]))
        .try_collect()
        .await
        .unwrap();
    assert!(appointments.is_empty());
    let services: Vec<Service> = client
        .records(Services)
        .list(ListParams::fields([ServiceField::ServiceName]))
        .try_collect()
        .await
        .unwrap();
    assert!(services.is_empty());
    let contacts = client
        .records(Contacts)
        .list(ListParams::fields(["Last_Name"]))
        .try_collect::<Vec<Contact>>()
        .await;
    assert!(
        matches!(&contacts, Err(Error::Api { code, .. }) if code == "OAUTH_SCOPE_MISMATCH"),
        "{contacts:?}"
    );
}
