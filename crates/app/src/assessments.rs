//! Recording 两不愁三保障 assessments, and explaining, criterion by criterion, whether a
//! household may exit.

use chrono::NaiveDate;
use fupin_domain::assessment::{
    out_of_school_children, seriously_ill_without_cover, uninsured_members, AssessmentItem,
    HouseGrade, MemberFacts,
};
use fupin_persistence::assessments::{self as store, AssessmentRow};
use fupin_persistence::members::{self, MemberFactsVersionRow, MemberRow};
use fupin_persistence::{households, DbConn, StoreError};
use serde_json::json;

use super::context::{Context, NOTHING};
use super::households::not_found_as_household;
use super::new_id;
use crate::error::{AppError, Kind, Text};
use crate::models::assessments::{
    Assessment, Blocker, CreateAssessment, Criterion, ExitEvaluation, ItemResult, MemberRef,
};
use crate::models::{stored, utc};

fn facts(row: &MemberRow) -> Result<MemberFacts, StoreError> {
    Ok(MemberFacts {
        id: row.id.clone(),
        name: row.name.clone(),
        birth_date: row.birth_date,
        left_on: row.left_on,
        schooling: stored(&row.schooling)?,
        disability: stored(&row.disability)?,
        health: stored(&row.health)?,
        basic_medical_insurance: row.basic_medical_insurance,
        critical_illness_insurance: row.critical_illness_insurance,
    })
}

fn refs(members: &[&MemberFacts]) -> Vec<MemberRef> {
    members
        .iter()
        .map(|m| MemberRef {
            id: m.id.clone(),
            name: m.name.clone(),
        })
        .collect()
}

fn typed(item: AssessmentItem, satisfied: bool, note: &Option<String>) -> ItemResult {
    ItemResult {
        item,
        satisfied,
        derived: false,
        note: note.clone(),
        members_concerned: vec![],
        override_reason: None,
    }
}

fn derived(
    item: AssessmentItem,
    failing: Vec<MemberRef>,
    override_reason: &Option<String>,
) -> ItemResult {
    let overridden = !failing.is_empty() && override_reason.is_some();
    ItemResult {
        item,
        satisfied: failing.is_empty() || overridden,
        derived: true,
        note: None,
        members_concerned: failing,
        override_reason: if overridden {
            override_reason.clone()
        } else {
            None
        },
    }
}

/// An assessment's items, the derived ones from the household's members on its date.
fn evaluate_row(row: AssessmentRow, members: &[MemberFacts]) -> Result<Assessment, StoreError> {
    let grade: HouseGrade = stored(&row.housing_grade)?;
    let on = row.assessed_on;
    let items = vec![
        typed(AssessmentItem::Food, row.food_ok, &row.food_note),
        typed(
            AssessmentItem::Clothing,
            row.clothing_ok,
            &row.clothing_note,
        ),
        derived(
            AssessmentItem::CompulsoryEducation,
            refs(&out_of_school_children(members, on)),
            &row.education_override,
        ),
        derived(
            AssessmentItem::BasicMedical,
            refs(&uninsured_members(members, on)),
            &row.medical_override,
        ),
        typed(
            AssessmentItem::HousingSafety,
            grade.is_safe(),
            &row.housing_note,
        ),
        typed(AssessmentItem::DrinkingWater, row.water_ok, &row.water_note),
    ];
    Ok(Assessment {
        all_satisfied: items.iter().all(|i| i.satisfied),
        id: row.id,
        household_id: row.household_id,
        assessed_on: on,
        assessed_by: row.assessed_by,
        created_at: utc(row.created_at),
        housing_grade: grade,
        items,
    })
}

/// The assessment facts of stored members (for data-quality runs, which load members in bulk).
pub fn member_facts_of(rows: &[MemberRow]) -> Result<Vec<MemberFacts>, StoreError> {
    rows.iter().map(facts).collect()
}

/// An assessment's items evaluated against the household's members.
pub fn evaluate(row: AssessmentRow, members: &[MemberFacts]) -> Result<Assessment, StoreError> {
    evaluate_row(row, members)
}

/// A household's members and the versions of their facts, to see them as of any day.
struct MemberHistory {
    rows: Vec<MemberRow>,
    versions: Vec<MemberFactsVersionRow>,
}

impl MemberHistory {
    fn load(conn: &mut DbConn, household_id: &str) -> Result<Self, AppError> {
        Ok(MemberHistory {
            rows: store::household_members(conn, household_id)?,
            versions: members::facts_versions_of_household(conn, household_id)?,
        })
    }

    /// The members as the registry knew them at the end of `on`: each member's facts from the
    /// latest version recorded by then. For a day before the registry recorded a member it
    /// knows nothing of them then, so their facts as now corrected stand in (an assessment's
    /// documented overrides answer for what differed, such as a child in school then).
    fn as_of(&self, on: NaiveDate) -> Result<Vec<MemberFacts>, StoreError> {
        self.rows
            .iter()
            .map(|row| {
                let mut member = facts(row)?;
                let mut own = self.versions.iter().filter(|v| v.member_id == row.id);
                let known_then = own
                    .clone()
                    .next()
                    .is_some_and(|v| v.recorded_at.date() <= on);
                if let Some(version) = own.rfind(|v| !known_then || v.recorded_at.date() <= on) {
                    member.schooling = stored(&version.schooling)?;
                    member.health = stored(&version.health)?;
                    member.disability = stored(&version.disability)?;
                    member.basic_medical_insurance = version.basic_medical_insurance;
                    member.critical_illness_insurance = version.critical_illness_insurance;
                }
                Ok(member)
            })
            .collect()
    }
}

fn trimmed(note: Option<String>) -> Option<String> {
    note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())
}

pub fn record(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
    input: CreateAssessment,
) -> Result<Assessment, AppError> {
    if input.assessed_on > ctx.today {
        return Err(AppError::invalid_field(
            "assessed_on",
            "out_of_range",
            Text::new(
                "the assessment date cannot be in the future",
                "评估日期不能晚于今天",
            ),
        ));
    }
    let household = households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    let row = AssessmentRow {
        id: new_id(),
        household_id: household.id.clone(),
        county_code: household.county_code.clone(),
        region_code: household.region_code.clone(),
        assessed_on: input.assessed_on,
        food_ok: input.food.satisfied,
        food_note: trimmed(input.food.note),
        clothing_ok: input.clothing.satisfied,
        clothing_note: trimmed(input.clothing.note),
        housing_grade: input.housing.grade.as_str().to_owned(),
        housing_note: trimmed(input.housing.note),
        water_ok: input.drinking_water.satisfied,
        water_note: trimmed(input.drinking_water.note),
        education_override: trimmed(input.overrides.compulsory_education),
        medical_override: trimmed(input.overrides.basic_medical),
        assessed_by: ctx.caller.name.clone(),
        created_at: ctx.now,
    };
    store::insert(conn, &row)?;
    let members = MemberHistory::load(conn, household_id)?.as_of(row.assessed_on)?;
    let assessment = evaluate_row(row, &members)?;
    let region = household.region_code.clone();
    ctx.audit(
        conn,
        "record_assessment",
        ("household", household_id),
        Some(&region),
        NOTHING,
        Some(&assessment),
    )?;
    for item in assessment
        .items
        .iter()
        .filter(|i| i.override_reason.is_some())
    {
        ctx.audit(
            conn,
            "override_derived_item",
            ("assessment", &assessment.id),
            Some(&region),
            NOTHING,
            Some(item),
        )?;
    }
    Ok(assessment)
}

pub fn list(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
) -> Result<Vec<Assessment>, AppError> {
    households::find(conn, &ctx.scope(), household_id)
        .map_err(|e| not_found_as_household(e.into()))?;
    let history = MemberHistory::load(conn, household_id)?;
    store::for_household(conn, &ctx.scope(), household_id)?
        .into_iter()
        .map(|row| {
            let members = history.as_of(row.assessed_on)?;
            evaluate_row(row, &members).map_err(AppError::from)
        })
        .collect()
}

/// Whether the household may exit on the evidence of `year`'s income and the newest assessment
/// made by the end of that year (a past year is judged on what was assessed then).
pub fn evaluate_exit(
    conn: &mut DbConn,
    ctx: &Context,
    household_id: &str,
    year: i32,
) -> Result<ExitEvaluation, AppError> {
    let year_end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(ctx.today);
    let latest = list(conn, ctx, household_id)?
        .into_iter()
        .find(|assessment| assessment.assessed_on <= year_end);
    let line = super::incomes::line_in_use(conn, year)?;
    let mut criteria = Vec::new();
    let mut blockers = Vec::new();
    let income = match super::incomes::history(conn, ctx, household_id, year) {
        Ok(mut versions) if !versions.is_empty() => Some(versions.remove(0)),
        Ok(_) => None,
        Err(problem) if problem.kind == Kind::NotFound => None,
        Err(problem) => return Err(problem),
    };
    match (&income, &line) {
        (_, None) => blockers.push(Blocker {
            kind: "no_poverty_line".into(),
            explanation: format!(
                "There is no poverty line for {year} (the national standard was not published exactly): the district must record the line it applies"
            ),
            members_concerned: vec![],
        }),
        (Some(record), Some(line)) => {
            let per_capita = record.computation.per_capita_net_income_fen;
            let above = per_capita > line.poverty_line_fen;
            criteria.push(Criterion {
                criterion: "income".into(),
                satisfied: above,
                explanation: format!(
                    "Per-capita net income {per_capita} fen is {} the {year} poverty line of {} fen",
                    if above { "above" } else { "not above" },
                    line.poverty_line_fen
                ),
                evidence: json!({"income_record_id": record.id, "income_record_version": record.version,
                    "recorded_on": record.recorded_on, "household_size": record.computation.household_size,
                    "per_capita_net_income_fen": per_capita, "poverty_line_fen": line.poverty_line_fen,
                    "poverty_line_source": line.source}),
            });
        }
        (None, Some(_)) => blockers.push(Blocker {
            kind: "no_income_record".into(),
            explanation: format!("No income is recorded for {year}"),
            members_concerned: vec![],
        }),
    }
    match &latest {
        Some(assessment) => {
            for item in &assessment.items {
                criteria.push(Criterion {
                    criterion: item.item.as_str().into(),
                    satisfied: item.satisfied,
                    explanation: format!(
                        "{} ({}) is {} in the assessment of {}{}",
                        item.item.as_str(),
                        item.item.chinese(),
                        if item.satisfied { "satisfied" } else { "not satisfied" },
                        assessment.assessed_on,
                        item.override_reason.as_deref().map(|r| format!(", by override: {r}")).unwrap_or_default()
                    ),
                    evidence: json!({"assessment_id": assessment.id, "assessed_on": assessment.assessed_on,
                        "members_concerned": item.members_concerned.iter().map(|m| &m.id).collect::<Vec<_>>()}),
                });
            }
            if !assessment.housing_grade.is_safe() {
                blockers.push(Blocker {
                    kind: "unsafe_house".into(),
                    explanation: format!(
                        "The house is grade {} (危房)",
                        assessment.housing_grade.as_str().to_uppercase()
                    ),
                    members_concerned: vec![],
                });
            }
        }
        None => blockers.push(Blocker {
            kind: "no_assessment".into(),
            explanation: "The household has no 两不愁三保障 assessment".into(),
            members_concerned: vec![],
        }),
    }
    // Member blockers are judged on the same day as the assessment they sit beside, on the
    // members as they were that day.
    let on = latest.as_ref().map_or(ctx.today, |a| a.assessed_on);
    let members = MemberHistory::load(conn, household_id)?.as_of(on)?;
    // An assessment that documented why compulsory education held (a child in school then,
    // finished since) answers for its dropouts; the override is in its audit trail.
    let education_overridden = latest.as_ref().is_some_and(|a| {
        a.items.iter().any(|item| {
            item.item == AssessmentItem::CompulsoryEducation && item.override_reason.is_some()
        })
    });
    let dropouts = out_of_school_children(&members, on);
    if !dropouts.is_empty() && !education_overridden {
        blockers.push(Blocker {
            kind: "school_age_dropout".into(),
            explanation: "A child of compulsory-education age is not in school".into(),
            members_concerned: refs(&dropouts),
        });
    }
    let uncovered = seriously_ill_without_cover(&members, on);
    if !uncovered.is_empty() {
        blockers.push(Blocker {
            kind: "serious_illness_without_cover".into(),
            explanation: "A seriously ill member has no critical-illness insurance".into(),
            members_concerned: refs(&uncovered),
        });
    }
    Ok(ExitEvaluation {
        household_id: household_id.to_owned(),
        year,
        eligible: blockers.is_empty() && criteria.iter().all(|c| c.satisfied),
        criteria,
        blockers,
    })
}
