//! Checking one household of an import with the API's own rules: the household and its head
//! as `POST /households` checks them (`CreateHousehold`), every other member as
//! `POST /households/{id}/members` does (`NewMemberBody`), a former member's departure as the
//! leave rule does. Field paths follow the NDJSON shape (`members[2].id_number`).

use chrono::NaiveDate;
use fupin_domain::member::{check_leave, LeaveReason, MemberRuleError, Relation};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use validator::Validate;

use crate::error::{AppError, FieldError, Text};
use crate::input::parse_valid;
use crate::members::check_fits_head;
use crate::models::exchange_bulk::{
    MAX_IMPORT_MEMBERS, READ_ONLY_HOUSEHOLD_FIELDS, READ_ONLY_MEMBER_FIELDS,
};
use crate::models::households::{CreateHousehold, NewHousehold};
use crate::models::lifecycle::RecordHistory;
use crate::models::members::{member_problem, CheckedMember, NewMemberBody};

/// A household that passed every check that needs no database.
pub struct CheckedRow {
    pub new: NewHousehold,
    /// Where the head is in `members`.
    pub head_at: usize,
    /// The other current members, with where each is in `members`.
    pub current: Vec<(usize, CheckedMember)>,
    /// Former members, with the day they left and why.
    pub former: Vec<(usize, CheckedMember, NaiveDate, LeaveReason)>,
    /// Events from before the registry, recorded as history once the household is written.
    pub history: Vec<RecordHistory>,
}

/// Whether a member of the file is still in the household.
enum Standing {
    Current,
    Former(NaiveDate, LeaveReason),
}

fn error(field: &str, code: &'static str, en: &str, zh: &str) -> FieldError {
    FieldError::new(field, code, Text::new(en, zh))
}

/// A problem's field errors with `prefix` put before each field; a problem without field
/// errors becomes one error on `prefix`, coded by its type.
pub fn errors_of(problem: AppError, prefix: &str) -> Vec<FieldError> {
    if problem.errors.is_empty() {
        let (en, zh) = problem.kind.titles();
        let message = problem.detail.unwrap_or_else(|| Text::new(en, zh));
        return vec![FieldError::new(prefix, problem.kind.slug(), message)];
    }
    problem
        .errors
        .into_iter()
        .map(|mut e| {
            e.field = match (prefix.is_empty(), e.field.is_empty()) {
                (true, _) => e.field,
                (false, true) => prefix.to_owned(),
                (false, false) => format!("{prefix}.{}", e.field),
            };
            e
        })
        .collect()
}

/// Removes an optional field and reads it; a wrong value is an error on `field.key`.
fn take<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match map.remove(key) {
        None | Some(Value::Null) => None,
        Some(value) => match serde_json::from_value(value) {
            Ok(value) => Some(value),
            Err(e) => {
                let message = crate::input::strip_position(&e.to_string());
                let zh = crate::input::serde_message_in_chinese(&message);
                errors.push(FieldError::new(
                    format!("{field}.{key}"),
                    "invalid_value",
                    Text::new(message, zh),
                ));
                None
            }
        },
    }
}

fn parse<T: DeserializeOwned + Validate>(value: Map<String, Value>) -> Result<T, AppError> {
    let bytes = serde_json::to_vec(&Value::Object(value)).unwrap_or_default();
    parse_valid(&bytes)
}

/// A household's `history`: a list of events as `POST /households/{id}/history` takes them.
fn history_of(value: Option<Value>, errors: &mut Vec<FieldError>) -> Vec<RecordHistory> {
    let events = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(events)) => events,
        Some(_) => {
            errors.push(error(
                "history",
                "invalid_type",
                "history is a list of events",
                "history 必须是事件数组",
            ));
            return Vec::new();
        }
    };
    let mut history = Vec::with_capacity(events.len());
    for (i, event) in events.into_iter().enumerate() {
        let field = format!("history[{i}]");
        let Value::Object(event) = event else {
            errors.push(error(
                &field,
                "invalid_type",
                "an event is a JSON object",
                "事件必须是 JSON 对象",
            ));
            continue;
        };
        match parse::<RecordHistory>(event) {
            Ok(event) => history.push(event),
            Err(problem) => errors.extend(errors_of(problem, &field)),
        }
    }
    history
}

fn leave_error(error: MemberRuleError, field: &str) -> FieldError {
    let (name, code, zh) = match error {
        MemberRuleError::HeadCannotLeave => ("relation", "head_cannot_leave", "户主不能减员"),
        MemberRuleError::LeaveDateInFuture => ("left_on", "out_of_range", "减员日期不能晚于今天"),
        _ => ("left_on", "out_of_range", "减员日期不能早于出生日期"),
    };
    FieldError::new(
        format!("{field}.{name}"),
        code,
        Text::new(error.to_string(), zh),
    )
}

/// Checks a household of the file; every error of every member is reported at once.
pub fn check(value: Value, today: NaiveDate) -> Result<CheckedRow, Vec<FieldError>> {
    let Value::Object(mut household) = value else {
        return Err(vec![error(
            "",
            "invalid_type",
            "a household is a JSON object",
            "每户必须是一个 JSON 对象",
        )]);
    };
    for field in READ_ONLY_HOUSEHOLD_FIELDS {
        household.remove(field);
    }
    let members = match household.remove("members") {
        Some(Value::Array(members)) if members.len() > MAX_IMPORT_MEMBERS => {
            return Err(vec![error(
                "members",
                "too_many_members",
                &format!("a household of an import has at most {MAX_IMPORT_MEMBERS} members"),
                &format!("导入的每户最多 {MAX_IMPORT_MEMBERS} 名成员"),
            )])
        }
        Some(Value::Array(members)) => members,
        None | Some(Value::Null) => {
            return Err(vec![error(
                "members",
                "required",
                "members is required: the head and everyone else in the household",
                "members 为必填项：户主及其他家庭成员",
            )])
        }
        Some(_) => {
            return Err(vec![error(
                "members",
                "invalid_type",
                "members is a list",
                "members 必须是数组",
            )])
        }
    };
    let mut errors = Vec::new();
    let history = history_of(household.remove("history"), &mut errors);
    let mut read = Vec::with_capacity(members.len());
    for (i, member) in members.into_iter().enumerate() {
        let field = format!("members[{i}]");
        let Value::Object(mut member) = member else {
            errors.push(error(
                &field,
                "invalid_type",
                "a member is a JSON object",
                "成员必须是 JSON 对象",
            ));
            continue;
        };
        for name in READ_ONLY_MEMBER_FIELDS {
            member.remove(name);
        }
        let found = errors.len();
        let left_on = take::<NaiveDate>(&mut member, "left_on", &field, &mut errors);
        let reason = take::<LeaveReason>(&mut member, "leave_reason", &field, &mut errors);
        let standing = match (left_on, reason) {
            (None, None) => Standing::Current,
            (Some(left_on), Some(reason)) => Standing::Former(left_on, reason),
            (Some(_), None) => {
                let en = "a member who left needs leave_reason";
                errors.push(error(
                    &format!("{field}.leave_reason"),
                    "required",
                    en,
                    "已减员的成员须填写减员原因",
                ));
                continue;
            }
            (None, Some(_)) => {
                let en = "leave_reason needs left_on";
                errors.push(error(
                    &format!("{field}.left_on"),
                    "required",
                    en,
                    "填写减员原因时须填写减员日期",
                ));
                continue;
            }
        };
        if errors.len() == found {
            read.push((i, member, standing));
        }
    }
    let is_head = |member: &Map<String, Value>, standing: &Standing| {
        matches!(standing, Standing::Current)
            && member.get("relation").and_then(Value::as_str) == Some(Relation::Head.as_str())
    };
    let mut heads = read
        .iter()
        .filter(|(_, m, s)| is_head(m, s))
        .map(|(i, _, _)| *i);
    let head_at = heads.next();
    for extra in heads {
        let field = format!("members[{extra}].relation");
        errors.push(error(
            &field,
            "second_head",
            "the household has a head already",
            "该户已有户主",
        ));
    }
    let mut new = None;
    let (mut current, mut former) = (Vec::new(), Vec::new());
    for (i, member, standing) in read {
        let field = format!("members[{i}]");
        if Some(i) == head_at {
            household.insert("head".to_owned(), Value::Object(member));
            let checked = parse::<CreateHousehold>(std::mem::take(&mut household))
                .and_then(|body| body.check(today));
            match checked {
                Ok(checked) => new = Some(checked),
                Err(problem) => errors.extend(errors_of(problem, "").into_iter().map(|mut e| {
                    let rest = e.field.strip_prefix("head").map(str::to_owned);
                    if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('.')) {
                        e.field = format!("{field}{rest}");
                    }
                    e
                })),
            }
            continue;
        }
        let checked = parse::<NewMemberBody>(member).and_then(|body| {
            body.check(today, None)
                .map_err(|findings| member_problem(findings, None))
        });
        match (checked, standing) {
            (Err(problem), _) => errors.extend(errors_of(problem, &field)),
            (Ok(member), Standing::Current) => current.push((i, member)),
            (Ok(member), Standing::Former(left_on, reason)) => {
                match check_leave(
                    member.relation,
                    member.fields.birth_date,
                    None,
                    left_on,
                    today,
                ) {
                    Ok(()) => former.push((i, member, left_on, reason)),
                    Err(rule) => errors.push(leave_error(rule, &field)),
                }
            }
        }
    }
    if let Some(head) = &new {
        for (i, member) in &current {
            let field = format!("members[{i}].relation");
            let fits = check_fits_head(member, Some(head.head.fields.birth_date), today, &field);
            if let Err(problem) = fits {
                errors.extend(errors_of(problem, ""));
            }
        }
    }
    match (new, head_at) {
        (Some(new), Some(head_at)) if errors.is_empty() => Ok(CheckedRow {
            new,
            head_at,
            current,
            former,
            history,
        }),
        (_, None) => {
            errors.insert(
                0,
                error(
                    "members",
                    "head_required",
                    "one current member must have relation `head`",
                    "必须有一名现有成员的关系为户主",
                ),
            );
            Err(errors)
        }
        _ => Err(errors),
    }
}
