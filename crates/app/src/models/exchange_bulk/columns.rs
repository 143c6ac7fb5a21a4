//! The CSV layout of bulk export and import: one line per member, the household's columns
//! repeated on each line.

use crate::models::households::Household;
use crate::models::members::Member;

/// Which part of the record a CSV column belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Household,
    Member,
    /// Shown in an export, ignored by an import (ids, status, derived values).
    ExportOnly,
}

/// How a CSV cell becomes a JSON value for import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Text,
    Integer,
    /// `true` or `false`.
    Boolean,
    /// Values separated by `;`.
    List,
}

/// Declares the columns once, in CSV order: the enum, `ALL` and each column's name.
macro_rules! columns {
    ($first:ident => $first_name:literal, $($variant:ident => $name:literal),+ $(,)?) => {
        /// A column of the CSV layout.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Column {
            $first,
            $($variant),+
        }

        impl Column {
            /// Every column, in the order of the CSV header.
            pub const ALL: [Column; [$first_name, $($name),+].len()] =
                [Column::$first, $(Column::$variant),+];

            /// The column's name, which is also the field's name in the NDJSON shape.
            pub fn name(self) -> &'static str {
                match self {
                    Column::$first => $first_name,
                    $(Column::$variant => $name),+
                }
            }
        }

        /// The CSV header, in order (the export writes it; an import accepts the columns in
        /// any order).
        pub const CSV_HEADER: &str = concat!($first_name, $(",", $name),+);
    };
}

columns! {
    HouseholdNumber => "household_number",
    HouseholdId => "household_id",
    RegionCode => "region_code",
    Kind => "kind",
    HeadName => "head_name",
    Phone => "phone",
    Address => "address",
    Attribute => "attribute",
    MainCause => "main_cause",
    OtherCauses => "other_causes",
    IdentifiedYear => "identified_year",
    Status => "status",
    ExitStage => "exit_stage",
    ExitYear => "exit_year",
    MemberId => "member_id",
    Name => "name",
    IdNumber => "id_number",
    Sex => "sex",
    BirthDate => "birth_date",
    Relation => "relation",
    Ethnicity => "ethnicity",
    Education => "education",
    Schooling => "schooling",
    Health => "health",
    Disability => "disability",
    LabourAbility => "labour_ability",
    Employment => "employment",
    BasicMedicalInsurance => "basic_medical_insurance",
    CriticalIllnessInsurance => "critical_illness_insurance",
    PensionInsurance => "pension_insurance",
    Current => "current",
    LeftOn => "left_on",
    LeaveReason => "leave_reason",
}

impl Column {
    pub fn part(self) -> Part {
        use Column::*;
        match self {
            HouseholdId | HeadName | Status | ExitStage | ExitYear | MemberId | Current => {
                Part::ExportOnly
            }
            HouseholdNumber | RegionCode | Kind | Phone | Address | Attribute | MainCause
            | OtherCauses | IdentifiedYear => Part::Household,
            _ => Part::Member,
        }
    }

    pub fn cell(self) -> Cell {
        use Column::*;
        match self {
            IdentifiedYear | ExitYear => Cell::Integer,
            BasicMedicalInsurance | CriticalIllnessInsurance | PensionInsurance | Current => {
                Cell::Boolean
            }
            OtherCauses => Cell::List,
            _ => Cell::Text,
        }
    }

    pub fn named(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

    /// This column's cell for one member of an exported household; a text that a spreadsheet
    /// would run as a formula is quoted (see [`quote_formula`]).
    pub fn export(self, h: &Household, m: &Member) -> String {
        let cell = self.value(h, m);
        match self.cell() {
            Cell::Text => quote_formula(cell),
            _ => cell,
        }
    }

    fn value(self, h: &Household, m: &Member) -> String {
        use Column::*;
        let flag = |b: bool| if b { "true" } else { "false" }.to_owned();
        match self {
            HouseholdNumber => h.household_number.clone(),
            HouseholdId => h.id.clone(),
            RegionCode => h.region_code.clone(),
            Kind => h.kind.as_str().to_owned(),
            HeadName => h.head_name.clone(),
            Phone => h.phone.clone().unwrap_or_default(),
            Address => h.address.clone(),
            Attribute => h.attribute.as_str().to_owned(),
            MainCause => h.main_cause.as_str().to_owned(),
            OtherCauses => h
                .other_causes
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            IdentifiedYear => h.identified_year.to_string(),
            Status => h.status.as_str().to_owned(),
            ExitStage => h.exit_stage.as_str().to_owned(),
            ExitYear => h.exit_year.map(|y| y.to_string()).unwrap_or_default(),
            MemberId => m.id.clone(),
            Name => m.name.clone(),
            IdNumber => m.id_number.clone(),
            Sex => m.sex.as_str().to_owned(),
            BirthDate => m.birth_date.to_string(),
            Relation => m.relation.as_str().to_owned(),
            Ethnicity => m.ethnicity.clone(),
            Education => m.education.as_str().to_owned(),
            Schooling => m.schooling.as_str().to_owned(),
            Health => m.health.as_str().to_owned(),
            Disability => m.disability.as_str().to_owned(),
            LabourAbility => m.labour_ability.as_str().to_owned(),
            Employment => m.employment.as_str().to_owned(),
            BasicMedicalInsurance => flag(m.basic_medical_insurance),
            CriticalIllnessInsurance => flag(m.critical_illness_insurance),
            PensionInsurance => flag(m.pension_insurance),
            Current => flag(m.current),
            LeftOn => m.left_on.map(|d| d.to_string()).unwrap_or_default(),
            LeaveReason => m
                .leave_reason
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
        }
    }

    /// The JSON value of a cell for import; an empty cell is an absent field.
    pub fn import(self, text: &str) -> Option<serde_json::Value> {
        use serde_json::Value;
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let as_text = || Value::String(text.to_owned());
        Some(match self.cell() {
            Cell::Text => Value::String(unquote_formula(text).to_owned()),
            Cell::Integer => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| as_text()),
            Cell::Boolean => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => as_text(),
            },
            Cell::List => Value::Array(
                text.split(';')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| Value::String(v.to_owned()))
                    .collect(),
            ),
        })
    }
}

/// What a spreadsheet takes as the start of a formula (OWASP's list for CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell starting like a formula gets a leading `'`, which spreadsheets show as text
/// and do not run: a name such as `=HYPERLINK(...)` cannot act when the file is opened.
pub fn quote_formula(text: String) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text
    }
}

/// The text a quoted cell stood for, so that an exported file imports unchanged.
pub fn unquote_formula(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_starts_like_a_formula_is_quoted_and_reads_back_unquoted() {
        for text in ["=1+2", "+86 138", "-3", "@SUM(A1)", "\tx", "\rx"] {
            let quoted = quote_formula(text.to_owned());
            assert_eq!(quoted, format!("'{text}"));
            assert_eq!(unquote_formula(&quoted), text);
        }
        assert_eq!(quote_formula("王五".to_owned()), "王五");
        assert_eq!(unquote_formula("'quoted"), "'quoted");
    }
}
