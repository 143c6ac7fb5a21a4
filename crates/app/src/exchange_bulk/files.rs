//! Reading an import file into households, one at a time: NDJSON (one household per line) or
//! CSV (one member per line, consecutive lines with one household number form a household).
//! A line that cannot be read is a failed household; a file that cannot be read at all (empty,
//! not UTF-8, a bad CSV header) is a problem answer before anything is written.
//!
//! The file is read from where the upload was spooled (`Upload`), never held whole in memory:
//! an import of a whole registry takes the memory of one household at a time, and its report.

use std::io::{self, BufRead, Read};

use csv::StringRecord;
use serde_json::{Map, Value};

pub use super::upload::Upload;

use crate::error::{AppError, FieldError, Text};
use crate::models::exchange_bulk::{Column, Part, CSV_HEADER};

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

/// The households of a file, read lazily.
pub fn rows(
    format: FileFormat,
    upload: &Upload,
) -> Result<Box<dyn Iterator<Item = FileRow>>, AppError> {
    Ok(match format {
        FileFormat::Ndjson => Box::new(NdjsonRows {
            lines: Some(upload.text()?.lines()),
            at: 0,
        }),
        FileFormat::Csv => Box::new(CsvRows::new(upload.text()?, upload.text()?)?),
    })
}

fn row_error(field: &str, code: &'static str, en: String, zh: String) -> FieldError {
    FieldError::new(field, code, Text::new(en, zh))
}

/// The lines of an NDJSON file, each a household; blank lines are skipped but counted.
struct NdjsonRows<R> {
    /// `None` once the file could not be read further.
    lines: Option<io::Lines<R>>,
    /// The number of the line last read.
    at: u64,
}

impl<R: BufRead> Iterator for NdjsonRows<R> {
    type Item = FileRow;

    fn next(&mut self) -> Option<FileRow> {
        loop {
            let line = self.lines.as_mut()?.next()?;
            self.at += 1;
            let row = self.at;
            let line = match line {
                Ok(line) if line.trim().is_empty() => continue,
                Ok(line) => line,
                Err(error) => {
                    // The file was checked as UTF-8 before: only the disk can fail here. The
                    // row says so, and reading stops.
                    self.lines = None;
                    return Some(failed(row, "unreadable", error.to_string()));
                }
            };
            return Some(match serde_json::from_str::<Value>(&line) {
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
            });
        }
    }
}

fn failed(row: u64, code: &'static str, message: String) -> FileRow {
    FileRow {
        row,
        household_number: None,
        body: Err(vec![row_error("", code, message.clone(), message)]),
    }
}

/// Counts lines through the text, forwards only, as records are read. The CSV reader's own
/// line numbers lag behind on CRLF line ends, and its byte offset may point at the end of the
/// previous line, so the counting is done here.
struct LineCounter<C> {
    text: C,
    /// The byte offset counted up to.
    at: u64,
    /// The line `at` is on.
    line: u64,
}

impl<C: BufRead> LineCounter<C> {
    /// The line a record starting at `byte` starts on: the first line after `byte` that is
    /// not a line end.
    fn line_at(&mut self, byte: u64) -> u64 {
        if byte < self.at {
            return self.line;
        }
        loop {
            let buffer = match self.text.fill_buf() {
                Ok(buffer) if !buffer.is_empty() => buffer,
                _ => return self.line,
            };
            let (mut used, mut found) = (0, false);
            for &b in buffer {
                if self.at + used as u64 >= byte && b != b'\r' && b != b'\n' {
                    found = true;
                    break;
                }
                used += 1;
                self.line += u64::from(b == b'\n');
            }
            self.text.consume(used);
            self.at += used as u64;
            if found {
                return self.line;
            }
        }
    }
}

/// A CSV line as read: its line number and its cells.
type Line = (u64, Result<StringRecord, String>);

struct CsvRows<R, C> {
    records: csv::StringRecordsIntoIter<R>,
    lines: LineCounter<C>,
    columns: Vec<Column>,
    number_at: usize,
    pending: Option<Line>,
}

fn header_problem(errors: Vec<FieldError>) -> AppError {
    let mut problem = AppError::bad_request(
        format!("The CSV header names the export's columns, in any order: {CSV_HEADER}"),
        format!("CSV 表头应为导出文件的各列（顺序不限）: {CSV_HEADER}"),
    );
    problem.errors = errors;
    problem
}

impl<R: Read, C: BufRead> CsvRows<R, C> {
    /// Records from `text`; `same_text` is a second reader of it, to count lines with.
    fn new(text: R, same_text: C) -> Result<Self, AppError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text);
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
                lines: LineCounter {
                    text: same_text,
                    at: 0,
                    line: 1,
                },
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
        Some((self.lines.line_at(byte), read))
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

impl<R: Read, C: BufRead> Iterator for CsvRows<R, C> {
    type Item = FileRow;

    fn next(&mut self) -> Option<FileRow> {
        let (row, first) = self.read()?;
        let first = match first {
            Ok(record) => record,
            Err(message) => return Some(failed(row, "malformed_csv", message)),
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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn a_record_starts_on_the_first_line_after_its_offset_that_is_not_a_line_end() {
        let text = b"a\r\nb\r\n\r\nc\n";
        let mut lines = LineCounter {
            text: Cursor::new(&text[..]),
            at: 0,
            line: 1,
        };
        assert_eq!(lines.line_at(0), 1);
        assert_eq!(lines.line_at(3), 2);
        // An offset at the end of the line before: the record is on the next line with text.
        assert_eq!(lines.line_at(4), 4);
        assert_eq!(lines.line_at(2), 4, "counting never goes back");
        assert_eq!(lines.line_at(100), 5);
    }
}
