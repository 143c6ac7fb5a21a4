//! `/api/v1/exports/households` and `/api/v1/imports/households`: households in bulk, for
//! other systems that pull or push whole registries.

use actix_web::http::{header, StatusCode};
use actix_web::web::Bytes;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_domain::scope::RegionScope;
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::{DbPool, StoreError};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{disclosure, narrow_to};
use crate::acting::Acting;
use crate::auth::{forbidden_region, ReadRegistry, WriteRegistry};
use crate::idempotency::Outcome;
use crate::middleware::prefers_chinese;
use crate::problem::{AppError, Kind, Problem, ProblemBody};
use crate::streams::Streams;
use crate::upload;
use fupin_app::context::Disclosure;
use fupin_app::exchange_bulk::{self as workflow, files};
use fupin_app::models::exchange_bulk::{
    Column, ExportFormat, ExportParams, ImportHousehold, ImportParams, ImportReport,
};
use fupin_app::models::households::HouseholdWithMembers;

/// The largest import file accepted (the rest of the API takes at most 256 KiB).
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;

/// Households read per query of an export.
const EXPORT_PAGE: i64 = 500;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_households).service(import_households);
}

/// Export households with their members, as a file.
///
/// Streams every household in your scope (or in `region`), by village then registration
/// order, without `removed` ones; memory stays flat however many there are. The export is not
/// a snapshot: households registered while it runs may or may not appear (follow the change
/// feed for later changes). Personal data is masked unless `reveal=true`.
///
/// `format=ndjson` (`application/x-ndjson`): one household per line, as
/// `GET /api/v1/households/{id}` shows it (`HouseholdWithMembers`).
///
/// `format=csv` (`text/csv; charset=utf-8`, RFC 4180, CRLF line ends): one line per member,
/// current and former, the household's columns repeated on each. The header is:
///
/// `household_number,household_id,region_code,kind,head_name,phone,address,attribute,main_cause,other_causes,identified_year,status,exit_stage,exit_year,member_id,name,id_number,sex,birth_date,relation,ethnicity,education,schooling,health,disability,labour_ability,employment,basic_medical_insurance,critical_illness_insurance,pension_insurance,current,left_on,leave_reason`
///
/// Values are the API's wire values: enumerations in lower_snake_case, dates `YYYY-MM-DD`,
/// booleans `true`/`false`, `other_causes` separated by `;`, an absent value an empty cell.
/// A text cell starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'` so that a
/// spreadsheet shows it rather than running it as a formula; an import takes the `'` off again.
/// If the database fails midway the connection is cut, so a partial file never looks complete.
#[utoipa::path(tag = "exchange", params(ExportParams),
    responses(
        (status = 200, description = "The households, streamed",
            content(
                (HouseholdWithMembers = "application/x-ndjson"),
                (String = "text/csv", example = json!("household_number,household_id,region_code,...\r\n6101170012010001,0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a11,610117001201,...\r\n"))
            ),
            headers(("Content-Disposition" = String, description = "`attachment` with a file name"))),
    ))]
#[get("/api/v1/exports/households")]
pub async fn export_households(
    acting: Acting<ReadRegistry>,
    pool: web::Data<DbPool>,
    streams: web::Data<Streams>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let disclosure = disclosure(&acting.caller, params.reveal)?;
    let scope =
        narrow_to(&acting.scope(), params.region.as_deref())?.ok_or_else(forbidden_region)?;
    let region = match &scope {
        RegionScope::Within(code) => code.as_str().to_owned(),
        RegionScope::Everything => "all".to_owned(),
    };
    let format = params.format.unwrap_or_default();
    let (date, ctx_keys) = (acting.today, acting.keys.clone());
    if disclosure == Disclosure::Full {
        let region = region.clone();
        acting
            .write(move |conn, ctx| workflow::record_revealed_export(conn, ctx, &region, format))
            .await?;
    }
    // A bounded channel: the reader waits while the client is slow, so at most a few pages are
    // in memory at any time.
    let (sender, mut receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    let (pool, keys) = (pool.get_ref().clone(), ctx_keys);
    tokio::task::spawn_blocking(move || {
        produce(&pool, &scope, &keys, disclosure, format, &sender);
    });
    let mut in_flight = streams.open();
    let body = futures_util::stream::poll_fn(move |cx| {
        let next = receiver.poll_recv(cx);
        if let std::task::Poll::Ready(None) = next {
            in_flight.finished();
        }
        next
    });
    let (content_type, extension) = match format {
        ExportFormat::Ndjson => ("application/x-ndjson", "ndjson"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"households-{region}-{date}.{extension}\""),
        ))
        .streaming(body))
}

/// Reads the export page by page (one pooled connection per page, returned before the page is
/// sent) and sends each page as one chunk, until the last page or until the client goes away.
fn produce(
    pool: &DbPool,
    scope: &RegionScope,
    keys: &PersonalDataKeys,
    disclosure: Disclosure,
    format: ExportFormat,
    sender: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let fail = |problem: AppError| {
        tracing::error!(%problem, "export stopped");
        let _ = sender.blocking_send(Err(std::io::Error::other("the export stopped")));
    };
    if format == ExportFormat::Csv {
        match csv_chunk(|w| w.write_record(Column::ALL.map(Column::name))) {
            Ok(header) => {
                if sender.blocking_send(Ok(header)).is_err() {
                    return;
                }
            }
            Err(problem) => return fail(problem),
        }
    }
    let mut after: Option<(String, String)> = None;
    loop {
        let page = pool
            .get()
            .map_err(|e| AppError::from(StoreError::from(e)))
            .and_then(|mut conn| {
                workflow::export_page(
                    &mut conn,
                    scope,
                    keys,
                    disclosure,
                    after.as_ref(),
                    EXPORT_PAGE,
                )
            });
        let page = match page {
            Ok(page) => page,
            Err(problem) => return fail(problem),
        };
        let last_page = (page.len() as i64) < EXPORT_PAGE;
        after = page
            .last()
            .map(|h| (h.household.region_code.clone(), h.household.id.clone()));
        let chunk = match format {
            ExportFormat::Ndjson => ndjson_chunk(&page),
            ExportFormat::Csv => csv_chunk(|w| {
                for h in &page {
                    for m in &h.members {
                        w.write_record(Column::ALL.map(|c| c.export(&h.household, m)))?;
                    }
                }
                Ok(())
            }),
        };
        match chunk {
            Ok(chunk) if chunk.is_empty() => {}
            Ok(chunk) => {
                if sender.blocking_send(Ok(chunk)).is_err() {
                    return; // the client went away
                }
            }
            Err(problem) => return fail(problem),
        }
        if last_page {
            return;
        }
    }
}

fn ndjson_chunk(page: &[HouseholdWithMembers]) -> Result<Bytes, AppError> {
    let mut out = Vec::with_capacity(page.len() * 1024);
    for household in page {
        serde_json::to_writer(&mut out, household).map_err(|_| AppError::internal())?;
        out.push(b'\n');
    }
    Ok(Bytes::from(out))
}

fn csv_chunk(
    write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error>,
) -> Result<Bytes, AppError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    write(&mut writer).map_err(|_| AppError::internal())?;
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|_| AppError::internal())
}

/// Import households from a file, checked like `POST /api/v1/households`.
///
/// The body is NDJSON (`application/x-ndjson`: one `ImportHousehold` per line, the shape the
/// NDJSON export writes, so a revealed export imports into another registry) or CSV
/// (`text/csv`, UTF-8: the export's header, columns in any order; `household_id`, `head_name`,
/// `status`, `exit_stage`, `exit_year`, `member_id` and `current` may be left out and are
/// ignored; a household is its consecutive lines with one `household_number`). At most 256 MiB
/// (100,000 households fit).
///
/// Every household is checked with the rules of `POST /api/v1/households` (the household and
/// the member with relation `head`) and `POST /api/v1/households/{id}/members` (the others);
/// members with `left_on` and `leave_reason` are recorded as former members. Imported
/// households start as `not_exited`: status, exit and monitoring are not imported.
///
/// Keyed by household number: a household whose number is registered already is reported
/// `unchanged` and nothing of it is written or compared, so sending a file again changes
/// nothing. With an `Idempotency-Key`, the same file and mode sent again get the first report
/// again instead of one that calls every household `unchanged`.
///
/// `mode`: `dry_run` checks everything inside a transaction that is rolled back;
/// `all_or_nothing` (the default) writes in one transaction, kept only if no household failed;
/// `best_effort` writes households that pass, committing every 500. A line that cannot be read
/// (bad JSON, wrong number of CSV columns) is a failed household, not a failed request. The
/// first two modes hold one transaction for the whole file: other writers wait up to 5 s for
/// it and then get 503 with `Retry-After`. For files of many thousands of households prefer
/// `best_effort` (sending it again is safe), which lets other writers in between batches.
///
/// The answer is 200 with the report whenever the file could be read; check `committed` and
/// `failed`. A file that cannot be read (empty, not UTF-8, a bad CSV header) is a 400 and
/// writes nothing. A database failure midway is a 503/500: in `best_effort` mode the batches
/// before it are kept, and sending the file again completes the import.
///
/// The server stores the file in a temporary file as it arrives and reads it from there a
/// household at a time, so its memory does not grow with the file. A household is at most
/// 100 members and an NDJSON line at most 1 MiB; a larger one is a failed household
/// (`too_many_members`, `line_too_long`). The report cannot outgrow the file: it lists every
/// household written (or that would be) but only the first 1,000 failed ones, counting the
/// rest in `failures_not_listed`, and at most 20 errors of each.
#[utoipa::path(tag = "exchange", params(ImportParams),
    request_body(description = "The households: NDJSON (one `ImportHousehold` per line) or CSV with the export's header, \
        as the raw body or as the part `file` of a `multipart/form-data` form (what generated clients send; the part's \
        type is its Content-Type or, for `application/octet-stream`, its file name: `*.ndjson`, `*.jsonl`, `*.csv`)",
        content(
            (ImportUpload = "multipart/form-data"),
            (ImportHousehold = "application/x-ndjson"),
            (String = "text/csv", example = json!("household_number,region_code,kind,phone,address,attribute,main_cause,other_causes,identified_year,name,id_number,sex,birth_date,relation,ethnicity,education,schooling,health,disability,labour_ability,employment,basic_medical_insurance,critical_illness_insurance,pension_insurance,left_on,leave_reason\r\n6101170012019001,610117001201,registered,13812345678,东樊村三组12号,general,disability,lack_of_funds,2016,王建国,610117197305125014,male,1973-05-12,head,汉族,junior_secondary,not_in_school,disabled,grade_3,weak,self_employed,true,false,false,,\r\n"))
        )),
    responses(
        (status = 200, description = "What became of each household", body = ImportReport),
        (status = 413, description = "The file is larger than 256 MiB", body = ProblemBody,
            content_type = "application/problem+json"),
        (status = 415, description = "The body (or its part `file`) is neither `application/x-ndjson` nor `text/csv` (UTF-8)",
            body = ProblemBody, content_type = "application/problem+json"),
    ))]
#[post("/api/v1/imports/households")]
pub async fn import_households(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    params: web::Query<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_IMPORT_BYTES) {
        return Err(too_large().into());
    }
    let (format, upload) = match upload::is_multipart(&req) {
        true => {
            let (format, file, _form) = upload::file_part(&req, payload).await?;
            (format, spool(file).await?)
        }
        false => (file_format(&req)?, spool(payload).await?),
    };
    let mode = params.mode.unwrap_or_default();
    let chinese = prefers_chinese(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    // The same file sent again in another mode is another request.
    let fingerprint = format!("{} {mode:?}", upload.fingerprint);
    let work = acting.read(move |conn, ctx| {
        let upload = files::Upload::check(upload.file)?;
        let mut rows = files::rows(format, &upload)?;
        let report = workflow::import(conn, ctx, mode, &mut rows, chinese)?;
        Outcome::new(StatusCode::OK, &report)
    });
    acting.run_once(&req, fingerprint, work).await
}

/// An import file sent as a form.
// Only the document reads it: the handler streams the part to its temporary file instead.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// The NDJSON or CSV file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// An import's body in its temporary file, and its SHA-256 (to tell a retry from another file).
struct Spooled {
    file: tempfile::NamedTempFile,
    fingerprint: String,
}

/// Writes the request body to a temporary file as it arrives, so an import holds none of it
/// in memory; a body over `MAX_IMPORT_BYTES` is refused as soon as it passes that size.
async fn spool<S, E>(payload: S) -> Result<Spooled, AppError>
where
    S: futures_util::Stream<Item = Result<Bytes, E>>,
{
    let mut payload = std::pin::pin!(payload);
    let spooled = web::block(|| tempfile::Builder::new().prefix(&spool_prefix()).tempfile())
        .await
        .map_err(|_| AppError::internal())?
        .map_err(spool_failed)?;
    let mut file = tokio::fs::File::from_std(spooled.reopen().map_err(spool_failed)?);
    let (mut size, mut digest) = (0, Sha256::new());
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            AppError::bad_request("The request body could not be read", "无法读取请求体")
        })?;
        size += chunk.len();
        if size > MAX_IMPORT_BYTES {
            return Err(too_large());
        }
        digest.update(&chunk);
        file.write_all(&chunk).await.map_err(spool_failed)?;
    }
    file.flush().await.map_err(spool_failed)?;
    Ok(Spooled {
        file: spooled,
        fingerprint: format!("{:x}", digest.finalize()),
    })
}

/// Spooled imports are named after the process that writes them, so that a server starting
/// can tell the files of one that died (and will never remove them) from a live one's.
const SPOOL_PREFIX: &str = "fupin-import-";

fn spool_prefix() -> String {
    format!("{SPOOL_PREFIX}{}-", std::process::id())
}

/// Removes the spooled imports in `dir` whose process is gone (it was killed mid-import);
/// returns how many. Where processes cannot be looked up (no `/proc`), nothing is removed.
pub fn remove_spools_of_dead_processes(dir: &std::path::Path) -> usize {
    if !std::path::Path::new("/proc/self").exists() {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let pid = name
                .to_str()
                .and_then(|n| n.strip_prefix(SPOOL_PREFIX))
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok());
            pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
        })
        .filter(|entry| std::fs::remove_file(entry.path()).is_ok())
        .count()
}

fn spool_failed(error: std::io::Error) -> AppError {
    tracing::error!(%error, "an import could not be written to a temporary file");
    AppError::new(Kind::Unavailable).with_detail(
        "The file could not be stored for import; try again later",
        "无法暂存导入文件，请稍后再试",
    )
}

fn too_large() -> AppError {
    AppError::new(Kind::PayloadTooLarge).with_detail(
        format!("An import file may be at most {MAX_IMPORT_BYTES} bytes"),
        format!("导入文件最多 {MAX_IMPORT_BYTES} 字节"),
    )
}

/// The file's format from its content type; a charset other than UTF-8 is refused.
fn file_format(req: &HttpRequest) -> Result<files::FileFormat, AppError> {
    let refused = || {
        AppError::new(Kind::UnsupportedMediaType).with_detail(
            "An import is application/x-ndjson or text/csv, in UTF-8",
            "导入文件必须是 UTF-8 编码的 application/x-ndjson 或 text/csv",
        )
    };
    let value = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refused)?
        .to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let format = match parts.next() {
        Some("application/x-ndjson" | "application/ndjson") => files::FileFormat::Ndjson,
        Some("text/csv") => files::FileFormat::Csv,
        _ => return Err(refused()),
    };
    for part in parts {
        if let Some(charset) = part.strip_prefix("charset=") {
            if !matches!(charset.trim_matches('"'), "utf-8" | "utf8") {
                return Err(refused());
            }
        }
    }
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_spools_of_processes_that_are_gone_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(format!("{SPOOL_PREFIX}4000000000-abc"));
        let live = dir.path().join(format!("{}xyz", spool_prefix()));
        let other = dir.path().join("unrelated-4000000000-abc");
        for file in [&dead, &live, &other] {
            std::fs::write(file, b"{}").unwrap();
        }
        assert_eq!(remove_spools_of_dead_processes(dir.path()), 1);
        assert!(!dead.exists() && live.exists() && other.exists());
    }
}
