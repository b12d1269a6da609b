//! The rows of an import file, streamed: each is `(row, line, reference, claims)`
//! or a [`RowError`] saying why it cannot be sent. Rows are numbered from 1 in file
//! order (blank lines are no rows); `line` is the physical line a row starts on,
//! for people.
//!
//! - **CSV** (`.csv`): a header row, a `reference` column, the other columns claim
//!   names (see [`super::columns`] for nesting, lists and types). UTF-8, optional BOM.
//! - **JSONL** (`.jsonl`, `.ndjson`): one JSON object per line, either
//!   `{"reference": "…", "claims": {…}}` or flat, the claims with a `reference`
//!   member beside them. Duplicate member names are refused.
//!
//! A row longer than 64 KiB is refused without being held; a reference seen on an
//! earlier row makes the later row a duplicate (the first one is sent); at most
//! `max_rows` rows are read. Duplicates are remembered by a 128-bit digest of the
//! reference, so a million rows cost about 40 MB at most.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::columns::{CsvColumns, HeaderError, REFERENCE_COLUMN};
use super::csv::{CsvReader, MAX_RECORD_BYTES, RecordError};

/// Longest JSONL line, in bytes (the same cap as a CSV record).
pub const MAX_LINE_BYTES: usize = MAX_RECORD_BYTES;
/// Rows read at most unless the caller says otherwise.
pub const DEFAULT_MAX_ROWS: u64 = 1_000_000;

/// The kind of file, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// Comma-separated values with a header row (RFC 4180).
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl InputFormat {
    /// `.csv` → CSV; `.jsonl` or `.ndjson` → JSONL (case-insensitive).
    #[must_use]
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(InputFormat::Csv),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            _ => None,
        }
    }
}

/// A row ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its number in the file (1-based; blank lines are not rows).
    pub row: u64,
    /// The line it starts on.
    pub line: u64,
    /// The applicant reference, trimmed.
    pub reference: String,
    /// The subject's claims.
    pub claims: Map<String, Value>,
}

/// A row that cannot be sent, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Its number in the file.
    pub row: u64,
    /// The line it starts on.
    pub line: u64,
    /// Its reference, when it could be read.
    pub reference: Option<String>,
    /// `row_malformed`, `row_too_long`, `reference_missing` or `reference_duplicate`.
    pub code: &'static str,
    /// A sentence.
    pub detail: String,
}

/// The file cannot be read as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be read.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The CSV header is unusable.
    #[error("the CSV header: {0}")]
    Header(#[from] HeaderError),
    /// The CSV file has no header row, or an unreadable one.
    #[error("the CSV header: {0}")]
    HeaderUnreadable(String),
    /// More rows than allowed.
    #[error("the file has more than {max} rows")]
    TooManyRows {
        /// The cap.
        max: u64,
    },
}

enum Source<R> {
    Csv {
        reader: CsvReader<R>,
        columns: CsvColumns,
    },
    Jsonl {
        reader: R,
        line: u64,
        buf: Vec<u8>,
    },
}

/// Reads rows one at a time.
pub struct RowReader<R> {
    source: Source<R>,
    row: u64,
    max_rows: u64,
    /// Digest of each reference seen → the line it was first on.
    seen: HashMap<[u8; 16], u64>,
}

impl RowReader<BufReader<File>> {
    /// Opens `path` as `format`; a CSV header is read and checked at once.
    ///
    /// # Errors
    /// [`ReadError`]: the file cannot be opened, or its header is unusable.
    pub fn open(
        path: &Path,
        format: InputFormat,
        schema: Option<&Value>,
        max_rows: u64,
    ) -> Result<Self, ReadError> {
        let reader = BufReader::with_capacity(256 * 1024, File::open(path)?);
        match format {
            InputFormat::Csv => RowReader::csv(reader, schema, max_rows),
            InputFormat::Jsonl => Ok(RowReader::jsonl(reader, max_rows)),
        }
    }
}

impl<R: BufRead> RowReader<R> {
    /// A CSV reader; reads and checks the header against the type's schema.
    ///
    /// # Errors
    /// [`ReadError`]: no header, or an unusable one.
    pub fn csv(reader: R, schema: Option<&Value>, max_rows: u64) -> Result<Self, ReadError> {
        let mut reader = CsvReader::new(reader);
        let mut header = match reader.next_record()? {
            None => {
                return Err(ReadError::HeaderUnreadable(
                    "the file is empty (a header row is needed)".into(),
                ));
            }
            Some(Err(e)) => return Err(ReadError::HeaderUnreadable(e.to_string())),
            Some(Ok(record)) => record.fields,
        };
        if let Some(first) = header.first_mut()
            && let Some(rest) = first.strip_prefix('\u{feff}')
        {
            *first = rest.to_owned();
        }
        let columns = CsvColumns::from_header(&header, schema)?;
        Ok(Self::with(Source::Csv { reader, columns }, max_rows))
    }

    /// A JSONL reader.
    pub fn jsonl(reader: R, max_rows: u64) -> Self {
        Self::with(
            Source::Jsonl {
                reader,
                line: 0,
                buf: Vec::new(),
            },
            max_rows,
        )
    }

    fn with(source: Source<R>, max_rows: u64) -> Self {
        RowReader {
            source,
            row: 0,
            max_rows,
            seen: HashMap::new(),
        }
    }

    /// The next row, `Ok(None)` at the end of the file.
    ///
    /// # Errors
    /// [`ReadError::Io`], or [`ReadError::TooManyRows`] past the cap.
    pub fn next_row(&mut self) -> Result<Option<Result<Row, RowError>>, ReadError> {
        let parsed = match &mut self.source {
            Source::Csv { reader, columns } => match reader.next_record()? {
                None => return Ok(None),
                Some(record) => csv_row(record, columns),
            },
            Source::Jsonl { reader, line, buf } => loop {
                let Some(too_long) = read_line_capped(reader, buf, MAX_LINE_BYTES)? else {
                    return Ok(None);
                };
                *line += 1;
                if too_long {
                    break Err(Parsed::too_long(*line));
                }
                let text = buf.trim_ascii();
                if !text.is_empty() {
                    break jsonl_row(text, *line);
                }
            },
        };
        self.row += 1;
        if self.row > self.max_rows {
            return Err(ReadError::TooManyRows { max: self.max_rows });
        }
        let row = self.row;
        Ok(Some(match parsed {
            Err(e) => Err(e.numbered(row)),
            Ok((line, reference, claims)) => self.first_use(row, line, reference, claims),
        }))
    }

    fn first_use(
        &mut self,
        row: u64,
        line: u64,
        reference: String,
        claims: Map<String, Value>,
    ) -> Result<Row, RowError> {
        let digest = Sha256::digest(reference.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        if let Some(first) = self.seen.get(&key) {
            return Err(RowError {
                row,
                line,
                reference: Some(reference),
                code: "reference_duplicate",
                detail: format!("the reference was already used on line {first} of this file"),
            });
        }
        self.seen.insert(key, line);
        Ok(Row {
            row,
            line,
            reference,
            claims,
        })
    }
}

/// A row error before it has its row number.
struct Parsed {
    line: u64,
    reference: Option<String>,
    code: &'static str,
    detail: String,
}

impl Parsed {
    fn new(line: u64, code: &'static str, detail: impl Into<String>) -> Self {
        Parsed {
            line,
            reference: None,
            code,
            detail: detail.into(),
        }
    }

    fn too_long(line: u64) -> Self {
        Parsed::new(
            line,
            "row_too_long",
            format!("the row is longer than {MAX_LINE_BYTES} bytes"),
        )
    }

    fn numbered(self, row: u64) -> RowError {
        RowError {
            row,
            line: self.line,
            reference: self.reference,
            code: self.code,
            detail: self.detail,
        }
    }
}

type ParsedRow = Result<(u64, String, Map<String, Value>), Parsed>;

fn missing_reference(line: u64) -> Parsed {
    Parsed::new(
        line,
        "reference_missing",
        format!("the row has no {REFERENCE_COLUMN}"),
    )
}

fn csv_row(record: Result<super::csv::Record, RecordError>, columns: &CsvColumns) -> ParsedRow {
    let record = record.map_err(|e| match e {
        RecordError::TooLong { line, .. } => Parsed::too_long(line),
        other => Parsed::new(other.line(), "row_malformed", other.to_string()),
    })?;
    let line = record.line;
    if record.fields.len() != columns.width() {
        return Err(Parsed::new(
            line,
            "row_malformed",
            format!(
                "the row has {} cells where the header has {}",
                record.fields.len(),
                columns.width()
            ),
        ));
    }
    let reference = columns.reference(&record.fields).to_owned();
    if reference.is_empty() {
        return Err(missing_reference(line));
    }
    match columns.claims(&record.fields) {
        Ok(claims) => Ok((line, reference, claims)),
        Err(detail) => Err(Parsed {
            reference: Some(reference),
            ..Parsed::new(line, "row_malformed", detail)
        }),
    }
}

fn jsonl_row(text: &[u8], line: u64) -> ParsedRow {
    let malformed = |detail: String| Parsed::new(line, "row_malformed", detail);
    let mut object = match sigillum_credential::json::parse(text, MAX_LINE_BYTES) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(malformed("the line is not a JSON object".into())),
        Err(e) => return Err(malformed(format!("the line is not JSON: {e}"))),
    };
    let reference = match object.remove(REFERENCE_COLUMN) {
        None | Some(Value::Null) => return Err(missing_reference(line)),
        Some(Value::String(reference)) => reference.trim().to_owned(),
        Some(_) => return Err(malformed("reference must be a string".into())),
    };
    if reference.is_empty() {
        return Err(missing_reference(line));
    }
    let with_reference = |p: Parsed| Parsed {
        reference: Some(reference.clone()),
        ..p
    };
    let claims = match object.remove("claims") {
        None => object,
        Some(Value::Object(claims)) if object.is_empty() => claims,
        Some(Value::Object(_)) => {
            return Err(with_reference(malformed(
                "beside \"claims\", only \"reference\" may stand".into(),
            )));
        }
        Some(_) => {
            return Err(with_reference(malformed(
                "\"claims\" must be an object".into(),
            )));
        }
    };
    Ok((line, reference, claims))
}

/// Reads one line into `buf` (without the LF); `Some(true)` if it was longer than
/// `max` (then `buf` is cleared and the rest of the line skipped); `None` at the end.
fn read_line_capped<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    buf.clear();
    let mut any = false;
    let mut too_long = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(any.then_some(too_long));
        }
        any = true;
        let (chunk, used, ended) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (available.get(..i).unwrap_or(available), i + 1, true),
            None => (available, available.len(), false),
        };
        if !too_long && buf.len() + chunk.len() <= max {
            buf.extend_from_slice(chunk);
        } else {
            too_long = true;
            buf.clear();
        }
        reader.consume(used);
        if ended {
            return Ok(Some(too_long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn all<R: BufRead>(mut reader: RowReader<R>) -> Vec<Result<Row, RowError>> {
        let mut out = Vec::new();
        while let Some(row) = reader.next_row().unwrap() {
            out.push(row);
        }
        out
    }

    fn summary(rows: &[Result<Row, RowError>]) -> Vec<(u64, u64, String)> {
        rows.iter()
            .map(|r| match r {
                Ok(row) => (row.row, row.line, format!("ok {}", row.reference)),
                Err(e) => (e.row, e.line, e.code.to_owned()),
            })
            .collect()
    }

    #[test]
    fn csv_rows_with_bom_quoting_and_every_kind_of_bad_row() {
        let text = "\u{feff}reference,family_name,given_names\n\
                    A-1,ERIKSSON,\"ANNA, MARIA\"\n\
                    ,NOBODY,X\n\
                    A-2,\"TWO\nLINES\",Y\n\
                    A-1,AGAIN,Z\n\
                    A-3,too,many,cells\n\
                    A-4,bad\"quote,Q\n\
                    \n\
                    A-5,,\n";
        let rows = all(RowReader::csv(text.as_bytes(), None, 100).unwrap());
        assert_eq!(
            summary(&rows),
            vec![
                (1, 2, "ok A-1".into()),
                (2, 3, "reference_missing".into()),
                (3, 4, "ok A-2".into()),
                (4, 6, "reference_duplicate".into()),
                (5, 7, "row_malformed".into()),
                (6, 8, "row_malformed".into()),
                (7, 10, "ok A-5".into()),
            ]
        );
        let Ok(first) = &rows[0] else { panic!() };
        assert_eq!(
            Value::Object(first.claims.clone()),
            json!({"family_name": "ERIKSSON", "given_names": "ANNA, MARIA"})
        );
        let Err(duplicate) = &rows[3] else { panic!() };
        assert_eq!(duplicate.reference.as_deref(), Some("A-1"));
        assert_eq!(
            duplicate.detail,
            "the reference was already used on line 2 of this file"
        );
        let Ok(last) = &rows[6] else { panic!() };
        assert!(last.claims.is_empty());
    }

    #[test]
    fn csv_without_a_usable_header_is_refused_whole() {
        assert!(matches!(
            RowReader::csv(&b""[..], None, 10),
            Err(ReadError::HeaderUnreadable(_))
        ));
        assert!(matches!(
            RowReader::csv(&b"name,birth_date\n"[..], None, 10),
            Err(ReadError::Header(HeaderError::NoReference))
        ));
    }

    #[test]
    fn jsonl_envelope_and_flat_rows_and_bad_lines() {
        let text = concat!(
            "{\"reference\": \"J-1\", \"claims\": {\"family_name\": \"A\"}}\n",
            "{\"reference\": \" J-2 \", \"family_name\": \"B\", \"address\": {\"country\": \"UTO\"}}\r\n",
            "   \n",
            "not json\n",
            "[1, 2]\n",
            "{\"family_name\": \"no reference\"}\n",
            "{\"reference\": 7}\n",
            "{\"reference\": \"J-3\", \"claims\": {}, \"extra\": 1}\n",
            "{\"reference\": \"J-4\", \"claims\": \"x\"}\n",
            "{\"reference\": \"J-5\", \"a\": 1, \"a\": 2}\n",
            "{\"reference\": \"J-1\", \"claims\": {}}\n",
            "{\"reference\": \"J-6\", \"claims\": {}}",
        );
        let rows = all(RowReader::jsonl(text.as_bytes(), 100));
        assert_eq!(
            summary(&rows),
            vec![
                (1, 1, "ok J-1".into()),
                (2, 2, "ok J-2".into()),
                (3, 4, "row_malformed".into()),
                (4, 5, "row_malformed".into()),
                (5, 6, "reference_missing".into()),
                (6, 7, "row_malformed".into()),
                (7, 8, "row_malformed".into()),
                (8, 9, "row_malformed".into()),
                (9, 10, "row_malformed".into()),
                (10, 11, "reference_duplicate".into()),
                (11, 12, "ok J-6".into()),
            ]
        );
        let Ok(flat) = &rows[1] else { panic!() };
        assert_eq!(
            Value::Object(flat.claims.clone()),
            json!({"family_name": "B", "address": {"country": "UTO"}})
        );
        let Err(e) = &rows[6] else { panic!() };
        assert_eq!(e.reference.as_deref(), Some("J-3"));
        assert_eq!(e.detail, "beside \"claims\", only \"reference\" may stand");
    }

    #[test]
    fn an_overlong_line_is_refused_and_the_next_one_read() {
        let mut text = format!(
            "{{\"reference\": \"L-1\", \"x\": \"{}\"}}\n",
            "y".repeat(MAX_LINE_BYTES)
        );
        text.push_str("{\"reference\": \"L-2\"}\n");
        let rows = all(RowReader::jsonl(text.as_bytes(), 100));
        assert_eq!(
            summary(&rows),
            vec![(1, 1, "row_too_long".into()), (2, 2, "ok L-2".into())]
        );
    }

    #[test]
    fn the_row_cap_fails_closed() {
        let text = "reference\na\nb\nc\n";
        let mut reader = RowReader::csv(text.as_bytes(), None, 2).unwrap();
        assert!(reader.next_row().unwrap().is_some());
        assert!(reader.next_row().unwrap().is_some());
        assert!(matches!(
            reader.next_row(),
            Err(ReadError::TooManyRows { max: 2 })
        ));
    }

    #[test]
    fn formats_follow_the_file_name() {
        assert_eq!(
            InputFormat::from_path(Path::new("a/b.CSV")),
            Some(InputFormat::Csv)
        );
        assert_eq!(
            InputFormat::from_path(Path::new("x.ndjson")),
            Some(InputFormat::Jsonl)
        );
        assert_eq!(InputFormat::from_path(Path::new("x.json")), None);
    }
}
