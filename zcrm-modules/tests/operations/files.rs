//! The file groups of the coverage run: a file attached through the multipart body of
//! `uploadAttachment`, record photos and files for file fields, each sent through its request
//! builder once for a documented success and once for a documented error; downloads come back
//! as `Download`s holding the bytes sent.

use super::actions::lead;
use super::{created_id, Coverage};
use zcrm_core::upload::{FilePart, Multipart};
use zcrm_core::Client;
use zcrm_modules::api::Api;

fn form(name: &str, bytes: &[u8], media: &str) -> Multipart {
    Multipart::new().file(
        "file",
        FilePart::bytes(name.to_string(), bytes.to_vec()).content_type(media),
    )
}

/// A small PNG's first bytes (the emulator checks the signature).
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend((0..400u32).map(|i| (i % 251) as u8));
    b
}

/// Attachments as files, record photos, files for fields.
pub async fn files(ctx: &Coverage<'_>, client: &Client) {
    let api = client.api();
    let lead = lead(client, "Files").await;

    // A file attached through the multipart body, and downloaded back.
    let attachments = api.attachments();
    let uploaded = ctx
        .ok(
            "uploadAttachment",
            attachments
                .upload_attachment("Leads", &lead)
                .multipart(form("terms.txt", b"terms and conditions", "text/plain"))
                .send(),
        )
        .await;
    let attachment = created_id(&uploaded, "data");
    let d = ctx
        .run(
            "getAttachmentById",
            true,
            attachments
                .get_attachment_by_id("Leads", &lead, &attachment)
                .send(),
        )
        .await
        .expect("getAttachmentById");
    assert_eq!(d.file_name(), Some("terms.txt"));
    assert_eq!(
        &d.bytes(1 << 20).await.unwrap()[..],
        b"terms and conditions"
    );
    ctx.fails(
        "uploadAttachment",
        attachments
            .upload_attachment("Leads", &lead)
            .multipart(Multipart::new().text("note", "no file part"))
            .send(),
        "REQUIRED_PARAM_MISSING",
    )
    .await;

    // Record photos.
    let photos = api.record_photo();
    ctx.ok(
        "uploadRecordPhoto",
        photos
            .upload_record_photo("Leads", &lead)
            .multipart(form("face.png", &png(), "image/png"))
            .send(),
    )
    .await;
    ctx.fails(
        "uploadRecordPhoto",
        photos
            .upload_record_photo("Leads", &lead)
            .multipart(form("face.png", b"not an image", "image/png"))
            .send(),
        "INVALID_DATA",
    )
    .await;
    let photo = ctx
        .run(
            "getRecordPhoto",
            true,
            photos.get_record_photo("Leads", &lead).send(),
        )
        .await
        .expect("getRecordPhoto");
    assert_eq!(&photo.bytes(1 << 20).await.unwrap()[..], &png()[..]);
    ctx.fails(
        "getRecordPhoto",
        photos.get_record_photo("Leads", "1").send(),
        "INVALID_DATA",
    )
    .await;
    ctx.ok(
        "deleteRecordPhoto",
        photos.delete_record_photo("Leads", &lead).send(),
    )
    .await;
    ctx.fails(
        "deleteRecordPhoto",
        photos.delete_record_photo("Leads", &lead).send(),
        "INVALID_DATA",
    )
    .await;

    // Files for file and image fields.
    let files = api.files();
    let stored = ctx
        .ok(
            "uploadFiles",
            files
                .upload_files()
                .multipart(form(
                    "contract.pdf",
                    b"%PDF-1.7 contract",
                    "application/pdf",
                ))
                .send(),
        )
        .await;
    let file_id = created_id(&stored, "data");
    assert_eq!(stored["data"][0]["details"]["name"], "contract.pdf");
    ctx.fails(
        "uploadFiles",
        files.upload_files().send(),
        "REQUIRED_PARAM_MISSING",
    )
    .await;
    let got = ctx
        .run("getFile", true, files.get_file(&file_id).send())
        .await
        .expect("getFile");
    assert_eq!(&got.bytes(1 << 20).await.unwrap()[..], b"%PDF-1.7 contract");
    ctx.fails("getFile", files.get_file("unknown").send(), "INVALID_DATA")
        .await;
}
