//! CSV records as RFC 4180 §2 defines them, read as a stream with caps: fields
//! separated by `,`, records by CRLF or LF, a field in double quotes may hold
//! commas, line breaks and `""` for one quote. A record longer than
//! [`MAX_RECORD_BYTES`] or with more than [`MAX_FIELDS`] fields is refused without
//! being held in memory, and reading goes on with the next record, so a hostile
//! file costs at most one record's worth of memory.
//!
//! Leniencies: a bare CR outside quotes is ignored, and an empty line is no record.
//! A quote inside an unquoted field, or text after a closing quote, makes the
//! record malformed; reading resumes after the end of that physical line.

use std::io::{self, BufRead};

/// Longest record, in bytes (a passport row is about 400).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
/// Most fields in one record.
pub const MAX_FIELDS: usize = 1024;

/// One record: where it starts and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The physical line the record starts on (1-based).
    pub line: u64,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// A record that could not be read; the reader goes on with the next one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Longer than the cap.
    #[error("line {line}: the record is longer than {max} bytes")]
    TooLong {
        /// Where the record starts.
        line: u64,
        /// The cap.
        max: usize,
    },
    /// More fields than the cap.
    #[error("line {line}: the record has more than {max} fields")]
    TooManyFields {
        /// Where the record starts.
        line: u64,
        /// The cap.
        max: usize,
    },
    /// Not RFC 4180.
    #[error("line {line}: {what}")]
    Malformed {
        /// Where the record starts.
        line: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// A field is not UTF-8.
    #[error("line {line}: the record is not UTF-8 text")]
    NotUtf8 {
        /// Where the record starts.
        line: u64,
    },
}

impl RecordError {
    /// The line the record starts on.
    #[must_use]
    pub fn line(&self) -> u64 {
        match self {
            RecordError::TooLong { line, .. }
            | RecordError::TooManyFields { line, .. }
            | RecordError::Malformed { line, .. }
            | RecordError::NotUtf8 { line } => *line,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Reads records one at a time from a buffered reader.
#[derive(Debug)]
pub struct CsvReader<R> {
    inner: R,
    /// The line the next byte is on.
    line: u64,
}

/// The record being assembled.
struct Pending {
    line: u64,
    fields: Vec<Vec<u8>>,
    field: Vec<u8>,
    bytes: usize,
    state: State,
    error: Option<RecordError>,
    /// After a syntax error: skip to the end of the physical line.
    resync: bool,
    /// Whether the record has any content (an empty line has none).
    content: bool,
}

impl Pending {
    fn new(line: u64) -> Self {
        Pending {
            line,
            fields: Vec::new(),
            field: Vec::new(),
            bytes: 0,
            state: State::FieldStart,
            error: None,
            resync: false,
            content: false,
        }
    }

    fn fail(&mut self, error: RecordError, resync: bool) {
        if self.error.is_none() {
            self.error = Some(error);
            self.fields = Vec::new();
            self.field = Vec::new();
        }
        self.resync |= resync;
    }

    fn push_byte(&mut self, b: u8) {
        self.content = true;
        if self.error.is_none() {
            self.field.push(b);
        }
    }

    fn end_field(&mut self) {
        self.content = true;
        self.state = State::FieldStart;
        if self.error.is_some() {
            return;
        }
        if self.fields.len() >= MAX_FIELDS {
            let line = self.line;
            self.fail(
                RecordError::TooManyFields {
                    line,
                    max: MAX_FIELDS,
                },
                false,
            );
            return;
        }
        self.fields.push(std::mem::take(&mut self.field));
    }

    /// Feeds one byte; true when it ends the record.
    fn feed(&mut self, b: u8) -> bool {
        if self.resync {
            return b == b'\n';
        }
        self.bytes += 1;
        if self.bytes > MAX_RECORD_BYTES && self.error.is_none() {
            let line = self.line;
            self.fail(
                RecordError::TooLong {
                    line,
                    max: MAX_RECORD_BYTES,
                },
                false,
            );
        }
        let line = self.line;
        match (self.state, b) {
            (State::Quoted, b'"') => self.state = State::QuoteInQuoted,
            (State::Quoted, _) => self.push_byte(b),
            (State::QuoteInQuoted, b'"') => {
                self.push_byte(b'"');
                self.state = State::Quoted;
            }
            (State::FieldStart, b'"') => {
                self.content = true;
                self.state = State::Quoted;
            }
            (State::Unquoted, b'"') => {
                self.fail(
                    RecordError::Malformed {
                        line,
                        what: "a double quote inside an unquoted field",
                    },
                    true,
                );
                return false;
            }
            (_, b',') => self.end_field(),
            (_, b'\r') => {}
            (_, b'\n') => {
                if self.content {
                    self.end_field();
                }
                return true;
            }
            (State::QuoteInQuoted, _) => {
                self.fail(
                    RecordError::Malformed {
                        line,
                        what: "text after the closing quote of a field",
                    },
                    true,
                );
            }
            (State::FieldStart | State::Unquoted, _) => {
                self.push_byte(b);
                self.state = State::Unquoted;
            }
        }
        false
    }

    /// The record, once it ended (at a line break or the end of the input).
    fn finish(mut self, at_eof: bool) -> Result<Record, RecordError> {
        if at_eof && !self.resync && self.error.is_none() {
            if self.state == State::Quoted {
                let line = self.line;
                self.fail(
                    RecordError::Malformed {
                        line,
                        what: "a quoted field is not closed before the end of the file",
                    },
                    false,
                );
            } else {
                self.end_field();
            }
        }
        if let Some(error) = self.error {
            return Err(error);
        }
        let line = self.line;
        let fields = self
            .fields
            .into_iter()
            .map(String::from_utf8)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| RecordError::NotUtf8 { line })?;
        Ok(Record { line, fields })
    }
}

impl<R: BufRead> CsvReader<R> {
    /// A reader at line 1.
    pub fn new(inner: R) -> Self {
        CsvReader { inner, line: 1 }
    }

    /// The next record, `Ok(None)` at the end of the input.
    ///
    /// # Errors
    /// The underlying reader's I/O error; a bad record is the inner `Err`.
    pub fn next_record(&mut self) -> io::Result<Option<Result<Record, RecordError>>> {
        let mut pending = Pending::new(self.line);
        loop {
            let (used, ended, eof) = {
                let buf = self.inner.fill_buf()?;
                if buf.is_empty() {
                    (0, false, true)
                } else {
                    let mut used = 0;
                    let mut ended = false;
                    for &b in buf {
                        used += 1;
                        if b == b'\n' {
                            self.line += 1;
                        }
                        if pending.feed(b) {
                            ended = true;
                            break;
                        }
                    }
                    (used, ended, false)
                }
            };
            self.inner.consume(used);
            if eof {
                if !pending.content && !pending.resync && pending.error.is_none() {
                    return Ok(None);
                }
                return Ok(Some(pending.finish(true)));
            }
            if ended {
                if !pending.content && pending.error.is_none() && !pending.resync {
                    // An empty line: no record; start again on the next line.
                    pending = Pending::new(self.line);
                    continue;
                }
                return Ok(Some(pending.finish(false)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8]) -> Vec<Result<Record, RecordError>> {
        let mut reader = CsvReader::new(text);
        let mut out = Vec::new();
        while let Some(r) = reader.next_record().unwrap() {
            out.push(r);
        }
        out
    }

    fn rec(line: u64, fields: &[&str]) -> Result<Record, RecordError> {
        Ok(Record {
            line,
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        })
    }

    #[test]
    fn reads_rfc_4180_quoting_crlf_and_embedded_line_breaks() {
        let text = b"a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\r\n\"two\nlines\",,z\n";
        assert_eq!(
            read_all(text),
            vec![
                rec(1, &["a", "b", "c"]),
                rec(2, &["x, y", "say \"hi\"", ""]),
                rec(3, &["two\nlines", "", "z"]),
            ]
        );
    }

    #[test]
    fn last_record_without_a_line_break_and_empty_lines_skipped() {
        assert_eq!(
            read_all(b"a,b\n\n\r\nc,\n\nd,e"),
            vec![rec(1, &["a", "b"]), rec(4, &["c", ""]), rec(6, &["d", "e"])]
        );
        assert_eq!(read_all(b""), vec![]);
        assert_eq!(read_all(b"\n\n"), vec![]);
        assert_eq!(read_all(b"\"\"\n"), vec![rec(1, &[""])]);
    }

    #[test]
    fn malformed_records_are_reported_and_reading_resumes_on_the_next_line() {
        assert_eq!(
            read_all(b"a,b\"c,d\nok,1\n\"x\"y,2\nok,2\n"),
            vec![
                Err(RecordError::Malformed {
                    line: 1,
                    what: "a double quote inside an unquoted field"
                }),
                rec(2, &["ok", "1"]),
                Err(RecordError::Malformed {
                    line: 3,
                    what: "text after the closing quote of a field"
                }),
                rec(4, &["ok", "2"]),
            ]
        );
        assert_eq!(
            read_all(b"ok,1\n\"never closed,2\n3,4\n"),
            vec![
                rec(1, &["ok", "1"]),
                Err(RecordError::Malformed {
                    line: 2,
                    what: "a quoted field is not closed before the end of the file"
                }),
            ]
        );
    }

    #[test]
    fn an_overlong_record_is_refused_without_being_held_and_the_next_one_is_read() {
        let mut text = b"a,\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES * 4));
        text.extend(b"\nstill quoted\",b\nnext,1\n");
        assert_eq!(
            read_all(&text),
            vec![
                Err(RecordError::TooLong {
                    line: 1,
                    max: MAX_RECORD_BYTES
                }),
                rec(3, &["next", "1"]),
            ]
        );
        let many = ",".repeat(MAX_FIELDS + 5);
        assert_eq!(
            read_all(format!("{many}\nx\n").as_bytes()),
            vec![
                Err(RecordError::TooManyFields {
                    line: 1,
                    max: MAX_FIELDS
                }),
                rec(2, &["x"]),
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_a_bad_record_not_a_panic() {
        assert_eq!(
            read_all(b"\xff\xfe,a\nb,c\n"),
            vec![Err(RecordError::NotUtf8 { line: 1 }), rec(2, &["b", "c"])]
        );
    }
}
