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

use crate::error::{AppError, FieldError, Kind, Text};
use crate::input::{parse_json, StrictValue};
use crate::models::exchange_bulk::{Column, Part, CSV_HEADER, MAX_IMPORT_MEMBERS};

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
            text: Some(upload.text()?),
            at: 0,
        }),
        FileFormat::Csv => Box::new(CsvRows::new(upload.text()?, upload.text()?)?),
    })
}

fn row_error(field: &str, code: &'static str, en: String, zh: String) -> FieldError {
    FieldError::new(field, code, Text::new(en, zh))
}

/// The longest line of an NDJSON file: a household of 100 members fits many times over, and
/// a longer line is a failed household read no further, so that no line takes much memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The lines of an NDJSON file, each a household; blank lines are skipped but counted.
struct NdjsonRows<R> {
    /// `None` once the file could not be read further.
    text: Option<R>,
    /// The number of the line last read.
    at: u64,
}

/// One line of the file as read.
enum Line {
    Text(String),
    /// Longer than `MAX_LINE_BYTES`; it was skipped.
    TooLong,
}

/// Reads the next line (without its line end), keeping at most `MAX_LINE_BYTES` of it.
fn next_line(text: &mut impl BufRead) -> io::Result<Option<Line>> {
    let (mut bytes, mut too_long, mut read_any) = (Vec::new(), false, false);
    loop {
        let buffer = text.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        read_any = true;
        let end = buffer.iter().position(|&b| b == b'\n');
        let part = &buffer[..end.unwrap_or(buffer.len())];
        if !too_long && bytes.len() + part.len() > MAX_LINE_BYTES {
            too_long = true;
            bytes = Vec::new();
        }
        if !too_long {
            bytes.extend_from_slice(part);
        }
        let used = part.len() + usize::from(end.is_some());
        text.consume(used);
        if end.is_some() {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(Line::TooLong));
    }
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    String::from_utf8(bytes)
        .map(|line| Some(Line::Text(line)))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

impl<R: BufRead> Iterator for NdjsonRows<R> {
    type Item = FileRow;

    fn next(&mut self) -> Option<FileRow> {
        loop {
            let line = next_line(self.text.as_mut()?).transpose()?;
            self.at += 1;
            let row = self.at;
            let line = match line {
                Ok(Line::Text(line)) if line.trim().is_empty() => continue,
                Ok(Line::Text(line)) => line,
                Ok(Line::TooLong) => {
                    let message = format!("line {row} is longer than {MAX_LINE_BYTES} bytes");
                    return Some(failed(row, "line_too_long", message));
                }
                Err(error) => {
                    // The file was checked as UTF-8 before: only the disk can fail here. The
                    // row says so, and reading stops.
                    self.text = None;
                    return Some(failed(row, "unreadable", error.to_string()));
                }
            };
            return Some(match parse_json::<StrictValue>(line.as_bytes()) {
                Ok(StrictValue(value)) => FileRow {
                    row,
                    household_number: value
                        .get("household_number")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    body: Ok(value),
                },
                // Well-formed, but a field twice or a NUL: the row fails as the API's would.
                Err(problem) if problem.kind != Kind::MalformedJson => FileRow {
                    row,
                    household_number: None,
                    body: Err(super::rows::errors_of(problem, "")),
                },
                Err(problem) => {
                    let detail = problem.detail.unwrap_or_else(|| Text::new("", ""));
                    FileRow {
                        row,
                        household_number: None,
                        body: Err(vec![row_error(
                            "",
                            "malformed_json",
                            format!("line {row} is not a JSON object: {}", detail.en),
                            format!("第 {row} 行不是有效的 JSON 对象：{}", detail.zh),
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
type Record = (u64, Result<StringRecord, String>);

struct CsvRows<R, C> {
    records: csv::StringRecordsIntoIter<R>,
    lines: LineCounter<C>,
    columns: Vec<Column>,
    number_at: usize,
    pending: Option<Record>,
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

    fn read(&mut self) -> Option<Record> {
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
        // A household's lines are consecutive; a line without a number stands alone. Lines
        // beyond one too many for a household are read past, not kept: the check refuses it.
        while let Some(number) = &number {
            match self.read() {
                Some((line, Ok(record))) if self.number_of(&record).as_ref() == Some(number) => {
                    if lines.len() <= MAX_IMPORT_MEMBERS {
                        lines.push((line, record));
                    }
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

    #[test]
    fn a_line_longer_than_the_limit_is_skipped_whole_and_the_next_is_read() {
        let mut text = vec![b'x'; MAX_LINE_BYTES + 1];
        text.extend_from_slice(b"\n{}\r\nlast");
        let mut reader = io::BufReader::with_capacity(4096, Cursor::new(text));
        assert!(matches!(next_line(&mut reader), Ok(Some(Line::TooLong))));
        assert!(matches!(next_line(&mut reader), Ok(Some(Line::Text(l))) if l == "{}"));
        assert!(matches!(next_line(&mut reader), Ok(Some(Line::Text(l))) if l == "last"));
        assert!(matches!(next_line(&mut reader), Ok(None)));
    }
}
