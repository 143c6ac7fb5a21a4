//! Bulk export and import of households: parameters, the import report, and the CSV layout
//! (one line per member, the household's columns repeated).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::FieldErrorBody;

mod columns;
pub use columns::{Cell, Column, Part, CSV_HEADER};

/// The file format of an export: `ndjson` (one household with its members per line) or `csv`
/// (one member per line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Ndjson,
    Csv,
}

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// Only households in this region and everything under it (12-digit code); a region
    /// outside your scope is a 403. Without it, your whole scope.
    #[param(format = "region-code")]
    pub region: Option<String>,
    /// `ndjson` (the default) or `csv`; anything else is a 400.
    #[param(inline)]
    pub format: Option<ExportFormat>,
    /// `true`: resident ID numbers and phone numbers in full. Only roles that may read personal
    /// data (admin, district_officer); the export is recorded once in the audit trail.
    pub reveal: Option<bool>,
}

/// How an import writes: `dry_run` checks every row and writes nothing; `all_or_nothing`
/// (the default) writes every row or, if any row fails, none; `best_effort` writes the rows
/// that pass and reports the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    DryRun,
    #[default]
    AllOrNothing,
    BestEffort,
}

/// How to import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `dry_run`, `all_or_nothing` (the default) or `best_effort`.
    #[param(inline)]
    pub mode: Option<ImportMode>,
}

/// What became of one household of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// Registered, with its members.
    Created,
    /// Its household number is registered already: nothing was written or compared.
    Unchanged,
    /// Not written; `errors` says why.
    Failed,
    /// It passes every check and would be registered, but nothing was kept: `dry_run`, or
    /// `all_or_nothing` when another household failed.
    WouldCreate,
}

/// The result of one household of the file.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowResult {
    /// The line where the household starts (1-based; in a CSV file the header is line 1).
    pub row: u64,
    pub household_number: Option<String>,
    pub result: RowOutcome,
    /// The household's id, when it was created or is registered already.
    pub household_id: Option<String>,
    /// Field paths follow the NDJSON shape, e.g. `members[1].id_number`; in a CSV file
    /// `members[k]` is the k-th line of the household (from 0), starting at `row`. At most
    /// 20 are listed.
    #[schema(max_items = 20)]
    pub errors: Vec<FieldErrorBody>,
    /// Errors of this household beyond the 20 listed.
    pub errors_not_listed: u64,
}

/// Failed households listed in a report; the others are only counted, so that a file of many
/// tiny bad lines cannot make an answer many times its size.
pub const LISTED_FAILURES: u64 = 1000;
/// Errors listed for one failed household.
pub const LISTED_ERRORS: usize = 20;
/// Members one household of an import may have.
pub const MAX_IMPORT_MEMBERS: usize = 100;

/// The answer to an import: one result per household, in file order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "mode": "best_effort", "rows": 2, "created": 1, "unchanged": 0, "failed": 1, "committed": true,
    "results": [
        {"row": 1, "household_number": "6101170012010001", "result": "created",
         "household_id": "0193a4c2-7a51-7c3e-9b0e-2f1d6c1e8a11", "errors": [], "errors_not_listed": 0},
        {"row": 2, "household_number": "6101170012010002", "result": "failed", "household_id": null,
         "errors": [{"field": "members[0].id_number", "code": "invalid_resident_id",
                     "message": "the check character should be X"}], "errors_not_listed": 0}
    ], "failures_not_listed": 0
}))]
pub struct ImportReport {
    pub mode: ImportMode,
    /// Households in the file (for CSV: groups of consecutive lines with one household number).
    pub rows: u64,
    /// Households registered, or when nothing was kept, that would be registered.
    pub created: u64,
    pub unchanged: u64,
    pub failed: u64,
    /// Whether the `created` households are now in the registry: always for `best_effort`,
    /// never for `dry_run`, and for `all_or_nothing` only when no row failed.
    pub committed: bool,
    /// In file order: every household created, unchanged or that would be created, and the
    /// first 1,000 that failed.
    pub results: Vec<RowResult>,
    /// Failed households beyond the first 1,000, counted in `failed` but not listed.
    pub failures_not_listed: u64,
}

impl ImportReport {
    pub fn new(mode: ImportMode) -> Self {
        ImportReport {
            mode,
            rows: 0,
            created: 0,
            unchanged: 0,
            failed: 0,
            committed: false,
            results: Vec::new(),
            failures_not_listed: 0,
        }
    }

    /// Counts a household's result, and lists it unless it is a failure past the first
    /// `LISTED_FAILURES`.
    pub fn push(&mut self, result: RowResult) {
        self.rows += 1;
        match result.result {
            RowOutcome::Created | RowOutcome::WouldCreate => self.created += 1,
            RowOutcome::Unchanged => self.unchanged += 1,
            RowOutcome::Failed if self.failed < LISTED_FAILURES => self.failed += 1,
            RowOutcome::Failed => {
                self.failed += 1;
                self.failures_not_listed += 1;
                return;
            }
        }
        self.results.push(result);
    }
}

/// One line of an NDJSON import: a household and all its members, in the shape the NDJSON
/// export writes. The export's other fields (`id`, `head_name`, `status`, `exit_stage`,
/// `exit_year`, `exit_recorded_as_history`, `notice_started_on`, `monitoring`, `member_count`, `version`, `created_at`,
/// `updated_at`; of members `id`, `household_id`, `region_code`, `current`, `version`,
/// `created_at`, `updated_at`) are accepted and ignored; any other field is an error.
#[derive(Debug, ToSchema)]
#[schema(example = json!({
    "household_number": "6101170012019001", "region_code": "610117001201", "phone": "13812345678",
    "address": "东樊村三组12号", "attribute": "general", "main_cause": "disability",
    "other_causes": ["lack_of_funds"], "identified_year": 2016,
    "members": [{
        "name": "王建国", "id_number": "610117197305125014", "sex": "male", "birth_date": "1973-05-12",
        "relation": "head", "ethnicity": "汉族", "education": "junior_secondary", "schooling": "not_in_school",
        "health": "disabled", "disability": "grade_3", "labour_ability": "weak",
        "employment": "self_employed", "basic_medical_insurance": true
    }]
}))]
pub struct ImportHousehold {
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9-]+$")]
    pub household_number: String,
    #[schema(format = "region-code")]
    pub region_code: String,
    /// `registered` when left out.
    pub kind: Option<fupin_domain::household::HouseholdKind>,
    #[schema(max_length = 20)]
    pub phone: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub address: String,
    pub attribute: fupin_domain::household::Attribute,
    pub main_cause: fupin_domain::household::PovertyCause,
    #[schema(max_items = 2)]
    pub other_causes: Option<Vec<fupin_domain::household::PovertyCause>>,
    #[schema(minimum = 2014)]
    pub identified_year: i32,
    /// Everyone in the household, at most 100: exactly one current member with relation `head`.
    #[schema(min_items = 1, max_items = 100)]
    pub members: Vec<ImportMember>,
    /// Its status history from before the registry (NDJSON only), oldest first: each event as
    /// `POST /households/{id}/history` takes it, recorded as history once the household and its
    /// members are written (district office or admin only). A line whose history is refused is
    /// refused whole.
    pub history: Option<Vec<crate::models::lifecycle::RecordHistory>>,
}

/// A member in an import: the fields of `POST /households/{id}/members`, and for a former
/// member the day they left and why.
#[derive(Debug, ToSchema)]
pub struct ImportMember {
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: String,
    pub sex: fupin_domain::member::Sex,
    pub birth_date: chrono::NaiveDate,
    pub relation: fupin_domain::member::Relation,
    #[schema(min_length = 1, max_length = 20)]
    pub ethnicity: String,
    pub education: fupin_domain::member::Education,
    pub schooling: fupin_domain::member::SchoolingStatus,
    pub health: fupin_domain::member::Health,
    pub disability: fupin_domain::member::Disability,
    pub labour_ability: fupin_domain::member::LabourAbility,
    pub employment: fupin_domain::member::Employment,
    pub basic_medical_insurance: Option<bool>,
    pub critical_illness_insurance: Option<bool>,
    pub pension_insurance: Option<bool>,
    /// Given with `leave_reason` for a member who left.
    pub left_on: Option<chrono::NaiveDate>,
    pub leave_reason: Option<fupin_domain::member::LeaveReason>,
}

/// Fields of the NDJSON shape that an export shows and an import ignores.
pub const READ_ONLY_HOUSEHOLD_FIELDS: [&str; 12] = [
    "id",
    "head_name",
    "status",
    "exit_stage",
    "exit_year",
    "exit_recorded_as_history",
    "notice_started_on",
    "monitoring",
    "member_count",
    "version",
    "created_at",
    "updated_at",
];

/// Fields of a member in the NDJSON shape that an export shows and an import ignores.
pub const READ_ONLY_MEMBER_FIELDS: [&str; 7] = [
    "id",
    "household_id",
    "region_code",
    "current",
    "version",
    "created_at",
    "updated_at",
];
