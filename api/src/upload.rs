//! An import's file as generated clients send files: `multipart/form-data` with one part named
//! `file`, whose type is its own `Content-Type` or, when that says nothing
//! (`application/octet-stream`), its file name's extension.

use actix_multipart::{Field, Multipart};
use actix_web::{web, HttpRequest};
use fupin_app::exchange_bulk::files::FileFormat;
use futures_util::StreamExt;

use crate::problem::{AppError, Kind};

pub const MULTIPART: &str = "multipart/form-data";

/// Whether the request's body is `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    crate::extract::media_type(req).as_deref() == Some(MULTIPART)
}

/// The part named `file`, its format, and the form it is read from (which must outlive the
/// reading); a form without one, or with another part first, is 400.
pub async fn file_part(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(FileFormat, Field, Multipart), AppError> {
    let mut form = Multipart::new(req.headers(), payload);
    let field = match form.next().await {
        Some(Ok(field)) => field,
        Some(Err(_)) | None => return Err(no_file()),
    };
    if field.name() != Some("file") {
        return Err(no_file());
    }
    let format = format_of(&field)?;
    Ok((format, field, form))
}

fn format_of(field: &Field) -> Result<FileFormat, AppError> {
    let declared = field
        .content_type()
        .map(|m| m.essence_str().to_ascii_lowercase());
    match declared.as_deref() {
        Some("application/x-ndjson" | "application/ndjson" | "application/jsonl") => {
            return Ok(FileFormat::Ndjson)
        }
        Some("text/csv") => return Ok(FileFormat::Csv),
        None | Some("application/octet-stream" | "text/plain") => {}
        Some(_) => return Err(unsupported()),
    }
    let name = field
        .content_disposition()
        .and_then(|d| d.get_filename())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".ndjson") || name.ends_with(".jsonl") {
        Ok(FileFormat::Ndjson)
    } else if name.ends_with(".csv") {
        Ok(FileFormat::Csv)
    } else {
        Err(unsupported())
    }
}

fn no_file() -> AppError {
    AppError::bad_request(
        "A multipart import has the file as its first part, named `file`",
        "以 multipart 上传时，第一个部分须为名为 `file` 的文件",
    )
}

fn unsupported() -> AppError {
    AppError::new(Kind::UnsupportedMediaType).with_detail(
        "The file part is application/x-ndjson or text/csv (or named *.ndjson, *.jsonl, *.csv)",
        "文件部分须为 application/x-ndjson 或 text/csv（或文件名以 .ndjson、.jsonl、.csv 结尾）",
    )
}
