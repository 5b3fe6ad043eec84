//! Product photos: multipart upload, type checked by content (not by name), size-limited (413),
//! stored under `UPLOAD_DIR/products/` and served back at `/uploads/products/…`.

use axum::{
    extract::{DefaultBodyLimit, Multipart, State},
    http::Method,
    response::Response,
    routing,
};

use super::products::{fetch, publish};
use crate::{
    app::{AppState, Routes},
    auth::AsManager,
    error::{Error, Result},
    extract::{ok, AppPath},
};

pub fn routes(r: Routes) -> Routes {
    // The size limit comes from the config at run time, so it is enforced while reading.
    r.add(
        Method::POST,
        "/products/{id}/image",
        routing::post(upload).layer(DefaultBodyLimit::disable()),
    )
}

/// The image kind from the file's first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

fn too_large(limit: usize) -> Error {
    Error::PayloadTooLarge(format!(
        "The image is larger than the {} MB limit; make it smaller and try again.",
        limit / (1024 * 1024)
    ))
}

/// Reads the multipart field `image`, enforcing `limit` while reading and checking the type
/// by content. Returns the bytes and the file extension.
pub(crate) async fn read_image_field(
    multipart: std::result::Result<Multipart, axum::extract::multipart::MultipartRejection>,
    limit: usize,
) -> Result<(Vec<u8>, &'static str)> {
    let unreadable = || {
        Error::BadRequest(
            "malformed_multipart",
            "The upload could not be read.".into(),
        )
    };
    let mut multipart = multipart.map_err(|_| {
        Error::UnsupportedMedia(
            "Send the image as multipart/form-data with a field named 'image'.".into(),
        )
    })?;
    while let Some(mut field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() != Some("image") {
            continue;
        }
        let mut buf = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| unreadable())? {
            if buf.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            buf.extend_from_slice(&chunk);
        }
        let ext = sniff(&buf).ok_or_else(|| {
            Error::UnsupportedMedia("The file is not a PNG, JPEG or WebP image.".into())
        })?;
        return Ok((buf, ext));
    }
    Err(Error::validation(
        "image",
        "Attach the image in a field named 'image'.",
    ))
}

/// Writes an image under `UPLOAD_DIR/<dir>/` and returns the URL it is served at.
pub(crate) async fn store_image(
    upload_dir: &std::path::Path,
    dir: &str,
    stem: &str,
    ext: &str,
    data: &[u8],
) -> Result<String> {
    let folder = upload_dir.join(dir);
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let file = format!("{stem}.{ext}");
    tokio::fs::write(folder.join(&file), data)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    Ok(format!("/uploads/{dir}/{file}"))
}

async fn upload(
    State(st): State<AppState>,
    AsManager(user): AsManager,
    AppPath(id): AppPath<i32>,
    multipart: std::result::Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response> {
    fetch(&st.db, id).await?;
    let (data, ext) = read_image_field(multipart, st.config.max_upload_bytes).await?;
    let stem = format!("{id}-{}", uuid::Uuid::new_v4().simple());
    let url = store_image(&st.config.upload_dir, "products", &stem, ext, &data).await?;

    let mut tx = st.db.begin().await?;
    sqlx::query("UPDATE products SET image_url = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(&url)
        .execute(&mut *tx)
        .await?;
    let p = fetch(&mut *tx, id).await?;
    publish(&mut tx, &user, "product.updated", &p).await?;
    tx.commit().await?;
    Ok(ok("Image uploaded", p))
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"<svg"), None);
    }
}
