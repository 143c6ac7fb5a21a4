//! Reading an import file into households, one at a time: NDJSON (one household per line) or
//! CSV (one member per line, consecutive lines with one household number form a household).
//! A line that cannot be read is a failed household; a file that cannot be read at all (empty,
//! not UTF-8, a bad CSV header) is a problem answer before anything is written.

use csv::StringRecord;
use serde_json::{Map, Value};

use crate::models::exchange_bulk::{Column, Part, CSV_HEADER};
use crate::problem::{FieldError, Problem, Text};

/// One household of the file, in the NDJSON shape, or why it could not be read.
pub struct FileRow {
    /// The line where the household starts (1-based).
    pub row: u64,
    pub household_number: Option<String>,
    pub body: Result<Value, Vec<FieldError>>,
}

/// The formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Ndjson,
    Csv,
}

/// The text of an upload: UTF-8 (a byte-order mark is dropped) and not blank.
pub fn text_of(bytes: &[u8]) -> Result<&str, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Problem::bad_request(
            format!(
                "The file is not UTF-8: invalid bytes at offset {}",
                e.valid_up_to()
            ),
            format!("文件不是 UTF-8 编码：第 {} 字节处无效", e.valid_up_to()),
        )
    })?;
    if text.trim().is_empty() {
        return Err(Problem::bad_request("The file is empty", "文件为空"));
    }
    Ok(text)
}

/// The households of a file, read lazily.
pub fn rows(
    format: FileFormat,
    text: &str,
) -> Result<Box<dyn Iterator<Item = FileRow> + '_>, Problem> {
    Ok(match format {
        FileFormat::Ndjson => Box::new(ndjson_rows(text)),
        FileFormat::Csv => Box::new(CsvRows::new(text)?),
    })
}

fn row_error(field: &str, code: &'static str, en: String, zh: String) -> FieldError {
    FieldError::new(field, code, Text::new(en, zh))
}

fn ndjson_rows(text: &str) -> impl Iterator<Item = FileRow> + '_ {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let row = index as u64 + 1;
            match serde_json::from_str::<Value>(line) {
                Ok(value) => FileRow {
                    row,
                    household_number: value
                        .get("household_number")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    body: Ok(value),
                },
                Err(error) => {
                    let message = error.to_string();
                    FileRow {
                        row,
                        household_number: None,
                        body: Err(vec![row_error(
                            "",
                            "malformed_json",
                            format!("line {row} is not a JSON object: {message}"),
                            format!("第 {row} 行不是有效的 JSON: {message}"),
                        )]),
                    }
                }
            }
        })
}

/// A CSV line as read: its line number and its cells.
type Line = (u64, Result<StringRecord, String>);

struct CsvRows<'a> {
    records: csv::StringRecordsIntoIter<&'a [u8]>,
    text: &'a str,
    /// A byte offset and the line it is on, to count lines from.
    counted: (usize, u64),
    columns: Vec<Column>,
    number_at: usize,
    pending: Option<Line>,
}

fn header_problem(errors: Vec<FieldError>) -> Problem {
    let mut problem = Problem::bad_request(
        format!("The CSV header names the export's columns, in any order: {CSV_HEADER}"),
        format!("CSV 表头应为导出文件的各列（顺序不限）: {CSV_HEADER}"),
    );
    problem.errors = errors;
    problem
}

impl<'a> CsvRows<'a> {
    fn new(text: &'a str) -> Result<Self, Problem> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| {
                header_problem(vec![row_error(
                    "header",
                    "malformed_header",
                    e.to_string(),
                    e.to_string(),
                )])
            })?
            .clone();
        let mut columns = Vec::with_capacity(header.len());
        let mut errors = Vec::new();
        for name in header.iter().map(str::trim) {
            match Column::named(name) {
                Some(column) if columns.contains(&column) => errors.push(row_error(
                    name,
                    "duplicate_column",
                    format!("the column `{name}` appears twice"),
                    format!("列 `{name}` 重复"),
                )),
                Some(column) => columns.push(column),
                None => errors.push(row_error(
                    name,
                    "unknown_column",
                    format!("there is no column `{name}`"),
                    format!("没有名为 `{name}` 的列"),
                )),
            }
        }
        for missing in Column::ALL
            .into_iter()
            .filter(|c| c.part() != Part::ExportOnly && !columns.contains(c))
        {
            let name = missing.name();
            errors.push(row_error(
                name,
                "missing_column",
                format!("the column `{name}` is required"),
                format!("缺少列 `{name}`"),
            ));
        }
        let number_at = columns.iter().position(|c| *c == Column::HouseholdNumber);
        match number_at {
            Some(number_at) if errors.is_empty() => Ok(CsvRows {
                records: reader.into_records(),
                columns,
                number_at,
                pending: None,
                text,
                counted: (0, 1),
            }),
            _ => Err(header_problem(errors)),
        }
    }

    fn read(&mut self) -> Option<Line> {
        if let Some(line) = self.pending.take() {
            return Some(line);
        }
        let (byte, read) = match self.records.next()? {
            Ok(record) => (record.position().map_or(0, |p| p.byte()), Ok(record)),
            Err(error) => (
                error.position().map_or(0, |p| p.byte()),
                Err(error.to_string()),
            ),
        };
        Some((self.line_at(byte), read))
    }

    /// The line a record starts on. The reader's own line numbers lag behind on CRLF line
    /// ends, and its byte offset may point at the end of the previous line, so count here.
    fn line_at(&mut self, byte: u64) -> u64 {
        let bytes = self.text.as_bytes();
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        while bytes.get(start).is_some_and(|b| *b == b'\r' || *b == b'\n') {
            start += 1;
        }
        let (from, line) = self.counted;
        if start < from {
            return line;
        }
        let newlines = bytes[from..start].iter().filter(|b| **b == b'\n').count();
        let line = line + newlines as u64;
        self.counted = (start, line);
        line
    }

    fn number_of(&self, record: &StringRecord) -> Option<String> {
        record
            .get(self.number_at)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
    }

    /// One household from its lines: the household's cells from the first line, a member from
    /// each line.
    fn household(&self, lines: &[(u64, StringRecord)]) -> Result<Value, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut household = Map::new();
        let mut members = Vec::with_capacity(lines.len());
        for (k, (line, record)) in lines.iter().enumerate() {
            if record.len() != self.columns.len() {
                errors.push(row_error(
                    "",
                    "wrong_column_count",
                    format!(
                        "line {line} has {} columns; the header has {}",
                        record.len(),
                        self.columns.len()
                    ),
                    format!(
                        "第 {line} 行有 {} 列，表头有 {} 列",
                        record.len(),
                        self.columns.len()
                    ),
                ));
                continue;
            }
            let mut member = Map::new();
            for (column, text) in self.columns.iter().zip(record.iter()) {
                let value = column.import(text);
                match column.part() {
                    Part::ExportOnly => {}
                    Part::Member => {
                        if let Some(value) = value {
                            member.insert(column.name().to_owned(), value);
                        }
                    }
                    Part::Household if k == 0 => {
                        if let Some(value) = value {
                            household.insert(column.name().to_owned(), value);
                        }
                    }
                    Part::Household => {
                        if household.get(column.name()) != value.as_ref() {
                            let name = column.name();
                            let first = lines[0].0;
                            errors.push(row_error(
                                name,
                                "inconsistent_household",
                                format!("line {line} gives another `{name}` than line {first} of the same household"),
                                format!("第 {line} 行的 `{name}` 与同户第 {first} 行不一致"),
                            ));
                        }
                    }
                }
            }
            members.push(Value::Object(member));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        household.insert("members".to_owned(), Value::Array(members));
        Ok(Value::Object(household))
    }
}

impl Iterator for CsvRows<'_> {
    type Item = FileRow;

    fn next(&mut self) -> Option<FileRow> {
        let (row, first) = self.read()?;
        let first = match first {
            Ok(record) => record,
            Err(message) => {
                return Some(FileRow {
                    row,
                    household_number: None,
                    body: Err(vec![row_error(
                        "",
                        "malformed_csv",
                        message.clone(),
                        message,
                    )]),
                })
            }
        };
        let number = self.number_of(&first);
        let mut lines = vec![(row, first)];
        // A household's lines are consecutive; a line without a number stands alone.
        while let Some(number) = &number {
            match self.read() {
                Some((line, Ok(record))) if self.number_of(&record).as_ref() == Some(number) => {
                    lines.push((line, record));
                }
                Some(other) => {
                    self.pending = Some(other);
                    break;
                }
                None => break,
            }
        }
        Some(FileRow {
            row,
            household_number: number,
            body: self.household(&lines),
        })
    }
}
