//! Bulk export and import of households.
//!
//! Export reads the registry in pages of households in (village, id) order, each page with its
//! members in one more query. Import checks each household of the file with the API's own
//! rules and registers it with the same workflows as `POST /households` and
//! `POST /households/{id}/members`, so the audit trail and change feed see every record. A
//! household whose number is registered already is left as it is: sending a file again changes
//! nothing.

pub mod files;
mod rows;
mod upload;

use fupin_domain::access::Action;
use fupin_domain::ids::HouseholdId;
use std::collections::{HashMap, HashSet};

use fupin_domain::region::RegionCode;
use fupin_domain::scope::RegionScope;
use fupin_persistence::households::{self as household_store, HouseholdFilter};
use fupin_persistence::members::MemberRow;
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::{exchange_bulk as store, in_transaction, DbConn, DieselError, ListKey};
use serde_json::json;

use self::files::FileRow;
use self::rows::{errors_of, CheckedRow};
use super::context::{Context, Disclosure, NOTHING};
use super::households::{member_row, register};
use crate::error::{AppError, FieldError, Kind, Text};
use crate::models::exchange_bulk::{
    ExportFormat, ImportMode, ImportReport, RowOutcome, RowResult, LISTED_ERRORS,
};
use crate::models::households::{Household, HouseholdWithMembers};
use crate::models::members::Member;

/// Households written per transaction in `best_effort` mode.
const BATCH: usize = 500;
/// Households between refreshes of the database's statistics, in every mode: inside one long
/// transaction too, since the planner otherwise keeps the plans of the tables' size when the
/// import began, and each household costs more than the one before.
const STATISTICS_EVERY: u64 = 1000;

/// One page of an export: up to `limit` households after `after` (a village and an id), with
/// all their members, personal data shown as `disclosure` says.
pub fn export_page(
    conn: &mut DbConn,
    scope: &RegionScope,
    keys: &PersonalDataKeys,
    disclosure: Disclosure,
    after: Option<&(String, String)>,
    limit: i64,
) -> Result<Vec<HouseholdWithMembers>, AppError> {
    let after = after.map(|(region_code, id)| ListKey { region_code, id });
    let households = household_store::list(conn, scope, &HouseholdFilter::default(), after, limit)?;
    let ids: Vec<String> = households.iter().map(|h| h.id.clone()).collect();
    let mut members: HashMap<String, Vec<MemberRow>> = HashMap::with_capacity(ids.len());
    for member in store::members_of(conn, &ids)? {
        members
            .entry(member.household_id.clone())
            .or_default()
            .push(member);
    }
    households
        .into_iter()
        .map(|row| {
            let own = members.remove(&row.id).unwrap_or_default();
            Ok(HouseholdWithMembers {
                household: Household::from_row(row, keys, disclosure)?,
                members: own
                    .into_iter()
                    .map(|m| Member::from_row(m, keys, disclosure))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

/// Records in the audit trail that `region` was exported with personal data in full: one
/// entry for the whole export.
pub fn record_revealed_export(
    conn: &mut DbConn,
    ctx: &Context,
    region: &str,
    format: ExportFormat,
) -> Result<(), AppError> {
    let format = match format {
        ExportFormat::Ndjson => "ndjson",
        ExportFormat::Csv => "csv",
    };
    ctx.audit(
        conn,
        "read_personal_data",
        ("household_export", region),
        Some(region),
        NOTHING,
        Some(&json!({ "format": format })),
    )
}

/// Why a transaction of the import ends without committing.
enum Abort {
    /// Nothing is kept: a dry run, or a row failed in `all_or_nothing` mode.
    Rollback,
    /// The database failed; the request fails.
    Fatal(AppError),
}

impl From<DieselError> for Abort {
    fn from(error: DieselError) -> Self {
        Abort::Fatal(error.into())
    }
}

/// Why one household was not written.
enum RowAbort {
    Row(Vec<FieldError>),
    Fatal(AppError),
}

impl From<DieselError> for RowAbort {
    fn from(error: DieselError) -> Self {
        RowAbort::Fatal(error.into())
    }
}

impl From<AppError> for RowAbort {
    fn from(problem: AppError) -> Self {
        failure(problem, "")
    }
}

impl From<fupin_persistence::StoreError> for RowAbort {
    fn from(error: fupin_persistence::StoreError) -> Self {
        failure(error.into(), "")
    }
}

/// A workflow's refusal as errors of the row; `member` names the member being written.
fn failure(problem: AppError, member: &str) -> RowAbort {
    if matches!(problem.kind, Kind::Internal | Kind::Unavailable) {
        return RowAbort::Fatal(problem);
    }
    if !problem.errors.is_empty() {
        return RowAbort::Row(problem.errors);
    }
    let field = match problem.kind {
        Kind::Forbidden => "region_code".to_owned(),
        Kind::HouseholdNumberTaken => "household_number".to_owned(),
        Kind::ResidentIdRegistered => format!("{member}.id_number"),
        Kind::StateConflict => format!("{member}.relation"),
        _ => member.to_owned(),
    };
    RowAbort::Row(errors_of(problem, &field))
}

enum Written {
    Created(String),
    Unchanged(String),
}

struct Run<'a> {
    ctx: &'a Context,
    chinese: bool,
    /// Household numbers met so far in this file.
    seen: HashSet<String>,
    report: ImportReport,
}

/// Imports the households of a file as `mode` says; see [`ImportMode`].
pub fn import(
    conn: &mut DbConn,
    ctx: &Context,
    mode: ImportMode,
    rows: &mut dyn Iterator<Item = FileRow>,
    chinese: bool,
) -> Result<ImportReport, AppError> {
    let mut run = Run {
        ctx,
        chinese,
        seen: HashSet::new(),
        report: ImportReport::new(mode),
    };
    let outcome = match mode {
        ImportMode::DryRun => in_transaction(conn, |c| {
            run.rows(c, rows, usize::MAX)?;
            Err(Abort::Rollback)
        }),
        ImportMode::AllOrNothing => in_transaction(conn, |c| {
            run.rows(c, rows, usize::MAX)?;
            match run.report.failed {
                0 => Ok(()),
                _ => Err(Abort::Rollback),
            }
        }),
        ImportMode::BestEffort => loop {
            match in_transaction(conn, |c| run.rows(c, rows, BATCH)) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(abort) => break Err(abort),
            }
        },
    };
    match outcome {
        Ok(()) => run.report.committed = mode != ImportMode::DryRun,
        Err(Abort::Rollback) => {
            // Nothing was kept: what was written is only what would be.
            run.report.committed = false;
            for result in &mut run.report.results {
                if result.result == RowOutcome::Created {
                    result.result = RowOutcome::WouldCreate;
                    result.household_id = None;
                }
            }
        }
        Err(Abort::Fatal(problem)) => return Err(problem),
    }
    Ok(run.report)
}

impl Run<'_> {
    /// Imports up to `limit` households; true when the limit stopped it (more may follow).
    fn rows(
        &mut self,
        conn: &mut DbConn,
        rows: &mut dyn Iterator<Item = FileRow>,
        limit: usize,
    ) -> Result<bool, Abort> {
        for _ in 0..limit {
            let Some(row) = rows.next() else {
                return Ok(false);
            };
            self.row(conn, row)?;
            if self.report.rows % STATISTICS_EVERY == 1 {
                store::refresh_statistics(conn).map_err(|e| Abort::Fatal(e.into()))?;
            }
        }
        Ok(true)
    }

    fn row(&mut self, conn: &mut DbConn, row: FileRow) -> Result<(), Abort> {
        let FileRow {
            row,
            household_number,
            body,
        } = row;
        let checked = body.and_then(|value| rows::check(value, self.ctx.today));
        let written = match checked {
            Err(errors) => Err(RowAbort::Row(errors)),
            Ok(checked) => {
                let number = checked.new.fields.edit.household_number.clone();
                if self.seen.insert(number) {
                    // A savepoint: a household that fails leaves nothing behind.
                    store::in_savepoint(conn, |c| self.write(c, checked))
                } else {
                    Err(RowAbort::Row(vec![FieldError::new(
                        "household_number",
                        "duplicate_in_file",
                        Text::new(
                            "this household appears earlier in the file; a household's lines must be consecutive",
                            "该户在文件中已出现；同一户的各行必须相邻",
                        ),
                    )]))
                }
            }
        };
        let dry_run = self.report.mode == ImportMode::DryRun;
        let (result, household_id, errors) = match written {
            Ok(Written::Created(_)) if dry_run => (RowOutcome::WouldCreate, None, Vec::new()),
            Ok(Written::Created(id)) => (RowOutcome::Created, Some(id), Vec::new()),
            Ok(Written::Unchanged(id)) => (RowOutcome::Unchanged, Some(id), Vec::new()),
            Err(RowAbort::Row(errors)) => (RowOutcome::Failed, None, errors),
            Err(RowAbort::Fatal(problem)) => return Err(Abort::Fatal(problem)),
        };
        let chinese = self.chinese;
        self.report.push(RowResult {
            row,
            household_number,
            result,
            household_id,
            errors: errors
                .iter()
                .take(LISTED_ERRORS)
                .map(|e| e.body(chinese))
                .collect(),
            errors_not_listed: errors.len().saturating_sub(LISTED_ERRORS) as u64,
        });
        Ok(())
    }

    /// Registers a checked household with its members, unless its number is registered.
    fn write(&self, conn: &mut DbConn, checked: CheckedRow) -> Result<Written, RowAbort> {
        let ctx = self.ctx;
        let number = &checked.new.fields.edit.household_number;
        if let Some((id, region)) = store::household_by_number(conn, number)? {
            let visible = RegionCode::parse(&region).is_ok_and(|code| ctx.scope().covers(&code));
            if visible {
                return Ok(Written::Unchanged(id));
            }
            // As `POST /households` answers: the number is taken, and nothing more is told.
            let taken = AppError::new(Kind::HouseholdNumberTaken).with_detail(
                format!("Household number {number} is registered already"),
                format!("户编号 {number} 已登记"),
            );
            return Err(failure(taken, ""));
        }
        let head = format!("members[{}]", checked.head_at);
        let created = register(conn, ctx, checked.new).map_err(|p| failure(p, &head))?;
        let id = created.household.id;
        let household = HouseholdId::from(id.as_str());
        for (i, member) in checked.current {
            super::members::add(conn, ctx, &household, member)
                .map_err(|p| failure(p, &format!("members[{i}]")))?;
        }
        // Former members hold no place in the one-current-member rule: they are recorded as
        // they left, without the checks of a member joining.
        if !checked.former.is_empty() {
            let household = household_store::find(conn, &ctx.scope(), &id)?;
            for (_, member, left_on, reason) in checked.former {
                let member = member.seal(&ctx.keys)?;
                let mut row = member_row(&household, &member, ctx);
                row.left_on = Some(left_on);
                row.leave_reason = Some(reason.as_str().to_owned());
                super::members::record_new(conn, ctx, row)?;
            }
        }
        if !checked.history.is_empty() && !ctx.caller.may(Action::RecordHistory) {
            return Err(RowAbort::Row(vec![FieldError::new(
                "history",
                "forbidden",
                Text::new(
                    "only the district office or an admin records history (record_history)",
                    "仅区扶贫办或管理员可补录历史",
                ),
            )]));
        }
        for (i, event) in checked.history.into_iter().enumerate() {
            super::history::record(conn, ctx, &id, event).map_err(|problem| {
                match problem.kind {
                    Kind::Internal | Kind::Unavailable => RowAbort::Fatal(problem),
                    _ => RowAbort::Row(errors_of(problem, &format!("history[{i}]"))),
                }
            })?;
        }
        Ok(Written::Created(id))
    }
}
