//! The output directory of an import, which is also its memory:
//!
//! ```text
//!  offers.jsonl     one line per issued row: row, line, reference, id, created,
//!                   offer_link, tx_code, expires_at[, qr]   (owner-only: it holds PINs)
//!  rejected.jsonl   one line per refused row: row, line, reference, status, code,
//!                   detail, errors[], retryable
//!  progress.json    which input this is (SHA-256, type, format, rows), the rows done
//!                   as ranges, totals; replaced atomically (write, fsync, rename)
//!  qr/              one <reference>.png or .svg per issued row, with --qr png|svg
//!  .lock            held while a run works here
//! ```
//!
//! A row is done once its line is in `offers.jsonl` or (refused for good) in
//! `rejected.jsonl`. On opening, both files are read back: a line cut short by a
//! kill is cut off, rows the issuer could not be asked about (`retryable`) are
//! dropped to be tried again, and every row on file is done, whether or not the
//! last `progress.json` had recorded it. So no row is offered twice from one
//! directory. The one gap: a row the issuer answered that the killed process had
//! not yet written; the next run asks again and gets 200 with the same credential
//! and a fresh offer code (the lost one was never shown to anyone).

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sigillum_credential::problem::FieldProblem;

use super::ranges::Ranges;

/// The offers written out.
pub const OFFERS_FILE: &str = "offers.jsonl";
/// The refused rows.
pub const REJECTED_FILE: &str = "rejected.jsonl";
/// Where the run is.
pub const PROGRESS_FILE: &str = "progress.json";
/// QR images, one per issued row.
pub const QR_DIR: &str = "qr";
const LOCK_FILE: &str = ".lock";
/// Longest line read back from our own files.
const MAX_RECORD_LINE: usize = 4 * 1024 * 1024;

/// What makes two runs the same import: a directory serves one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// SHA-256 of the input file, hex.
    pub input_sha256: String,
    /// The credential type.
    pub credential_type: String,
    /// The credential format.
    pub format: String,
    /// Rows in the input.
    pub rows: u64,
}

#[derive(Serialize, Deserialize)]
struct ProgressFile {
    version: u32,
    #[serde(flatten)]
    identity: RunIdentity,
    done: Vec<[u64; 2]>,
    imported: u64,
    rejected: u64,
    updated_at: u64,
}

/// One issued row, as written to `offers.jsonl`.
#[derive(Debug, Serialize)]
pub struct OfferLine<'a> {
    /// Row number.
    pub row: u64,
    /// Line in the input.
    pub line: u64,
    /// Applicant reference.
    pub reference: &'a str,
    /// Credential id.
    pub id: &'a str,
    /// Whether this run created the credential (false: it existed with the same data).
    pub created: bool,
    /// The offer link.
    pub offer_link: &'a str,
    /// The PIN, to send separately.
    pub tx_code: &'a str,
    /// Offer expiry, Unix seconds.
    pub expires_at: i64,
    /// The QR image, relative to the directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr: Option<&'a str>,
}

/// One refused row, as written to `rejected.jsonl`.
#[derive(Debug, Serialize)]
pub struct RejectLine<'a> {
    /// Row number.
    pub row: u64,
    /// Line in the input.
    pub line: u64,
    /// Applicant reference, when the row had one.
    pub reference: Option<&'a str>,
    /// The issuer's HTTP status (`null`: refused before sending).
    pub status: Option<u16>,
    /// The stable code.
    pub code: &'a str,
    /// A sentence.
    pub detail: &'a str,
    /// Every offending field.
    pub errors: &'a [FieldProblem],
    /// True when the issuer could not be asked: the next run tries the row again.
    pub retryable: bool,
}

#[derive(Deserialize)]
struct LineHead {
    row: u64,
    #[serde(default)]
    retryable: bool,
}

/// The output directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Another run is working in the directory.
    #[error("{}: another import is running in this directory", .0.display())]
    Busy(PathBuf),
    /// The directory belongs to another import.
    #[error("{}: {why}; choose another --out", path.display())]
    OtherRun {
        /// The directory.
        path: PathBuf,
        /// How it differs.
        why: String,
    },
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The open output directory of a run.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    identity: RunIdentity,
    _lock: File,
    offers: BufWriter<File>,
    rejected: BufWriter<File>,
    done: Ranges,
    imported: u64,
    refused: u64,
}

impl Journal {
    /// Opens (creating if needed) the directory for `identity`, reading back what an
    /// earlier run of the same import wrote.
    ///
    /// # Errors
    /// [`JournalError`]: I/O, another run working there, or another import's directory.
    pub fn open(dir: &Path, identity: RunIdentity) -> Result<Self, JournalError> {
        std::fs::create_dir_all(dir).map_err(at(dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = File::create(&lock_path).map_err(at(&lock_path))?;
        if lock.try_lock().is_err() {
            return Err(JournalError::Busy(dir.to_owned()));
        }
        let progress_path = dir.join(PROGRESS_FILE);
        let offers_path = dir.join(OFFERS_FILE);
        let rejected_path = dir.join(REJECTED_FILE);
        let mut done = Ranges::default();
        match std::fs::read(&progress_path) {
            Ok(bytes) => {
                let progress: ProgressFile =
                    serde_json::from_slice(&bytes).map_err(|e| JournalError::OtherRun {
                        path: dir.to_owned(),
                        why: format!("{PROGRESS_FILE} is unreadable ({e})"),
                    })?;
                if progress.identity != identity {
                    return Err(JournalError::OtherRun {
                        path: dir.to_owned(),
                        why: format!(
                            "it holds the import of another file, type or format ({} {} {})",
                            progress.identity.credential_type,
                            progress.identity.format,
                            progress.identity.input_sha256
                        ),
                    });
                }
                for [from, to] in progress.done {
                    for n in from..=to.min(identity.rows) {
                        done.insert(n);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if offers_path.exists() || rejected_path.exists() {
                    return Err(JournalError::OtherRun {
                        path: dir.to_owned(),
                        why: format!("it holds offers but no {PROGRESS_FILE}"),
                    });
                }
            }
            Err(e) => return Err(at(&progress_path)(e)),
        }
        let imported = read_back(&offers_path, &mut done, false)?;
        let refused = read_back(&rejected_path, &mut done, true)?;
        let offers = append(&offers_path, true)?;
        let rejected = append(&rejected_path, false)?;
        let mut journal = Journal {
            dir: dir.to_owned(),
            identity,
            _lock: lock,
            offers,
            rejected,
            done,
            imported,
            refused,
        };
        journal.checkpoint().map_err(at(&progress_path))?;
        Ok(journal)
    }

    /// The rows done so far.
    #[must_use]
    pub fn done(&self) -> &Ranges {
        &self.done
    }

    /// Offers and refusals on file, over every run.
    #[must_use]
    pub fn totals(&self) -> (u64, u64) {
        (self.imported, self.refused)
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes an issued row; it is done.
    ///
    /// # Errors
    /// The write's I/O error.
    pub fn record_offer(&mut self, offer: &OfferLine<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.offers, offer)?;
        self.offers.write_all(b"\n")?;
        self.done.insert(offer.row);
        self.imported += 1;
        Ok(())
    }

    /// Writes a refused row; unless `retryable`, it is done.
    ///
    /// # Errors
    /// The write's I/O error.
    pub fn record_refusal(&mut self, refusal: &RejectLine<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.rejected, refusal)?;
        self.rejected.write_all(b"\n")?;
        if !refusal.retryable {
            self.done.insert(refusal.row);
            self.refused += 1;
        }
        Ok(())
    }

    /// Makes what was written durable, then records it in `progress.json`.
    ///
    /// # Errors
    /// The I/O error.
    pub fn checkpoint(&mut self) -> io::Result<()> {
        self.offers.flush()?;
        self.offers.get_ref().sync_data()?;
        self.rejected.flush()?;
        self.rejected.get_ref().sync_data()?;
        let progress = ProgressFile {
            version: 1,
            identity: self.identity.clone(),
            done: self.done.as_slice().to_vec(),
            imported: self.imported,
            rejected: self.refused,
            updated_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        let mut text = serde_json::to_vec_pretty(&progress)?;
        text.push(b'\n');
        write_atomically(&self.dir.join(PROGRESS_FILE), &text, true)
    }
}

fn append(path: &Path, private: bool) -> Result<BufWriter<File>, JournalError> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = private;
    let file = options.open(path).map_err(at(path))?;
    Ok(BufWriter::with_capacity(64 * 1024, file))
}

/// Reads a record file back: marks its rows done and counts them; cuts off a line
/// left unfinished by a kill; with `drop_retryable`, removes the rows to try again.
fn read_back(path: &Path, done: &mut Ranges, drop_retryable: bool) -> Result<u64, JournalError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(at(path)(e)),
    };
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    let (mut count, mut number, mut complete_end, mut offset) = (0u64, 0u64, 0u64, 0u64);
    let mut keep: Vec<u64> = Vec::new();
    let mut rewrite = false;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_RECORD_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(at(path))?;
        if read == 0 {
            break;
        }
        offset += read as u64;
        number += 1;
        if buf.last() != Some(&b'\n') {
            if read > MAX_RECORD_LINE {
                return Err(corrupt(path, number));
            }
            rewrite = true; // cut short by a kill
            break;
        }
        complete_end = offset;
        let head: LineHead = serde_json::from_slice(&buf).map_err(|_| corrupt(path, number))?;
        if drop_retryable && head.retryable {
            rewrite = true;
            continue;
        }
        done.insert(head.row);
        count += 1;
        if drop_retryable {
            keep.push(number);
        }
    }
    if rewrite {
        if drop_retryable {
            keep_lines(path, &keep)?;
        } else {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(at(path))?;
            file.set_len(complete_end).map_err(at(path))?;
            file.sync_data().map_err(at(path))?;
        }
    }
    Ok(count)
}

fn corrupt(path: &Path, line: u64) -> JournalError {
    JournalError::OtherRun {
        path: path.to_owned(),
        why: format!("line {line} is not a record this importer wrote"),
    }
}

/// Rewrites `path` with only the listed (1-based, ascending) complete lines.
fn keep_lines(path: &Path, keep: &[u64]) -> Result<(), JournalError> {
    let tmp = path.with_extension("jsonl.tmp");
    let mut reader = BufReader::new(File::open(path).map_err(at(path))?);
    let mut out = BufWriter::new(File::create(&tmp).map_err(at(&tmp))?);
    let mut buf = Vec::new();
    let mut wanted = keep.iter().peekable();
    let mut number = 0u64;
    while wanted.peek().is_some() {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_RECORD_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(at(path))?;
        if read == 0 {
            break;
        }
        number += 1;
        if wanted.peek() == Some(&&number) {
            wanted.next();
            out.write_all(&buf).map_err(at(&tmp))?;
        }
    }
    let file = out.into_inner().map_err(|e| at(&tmp)(e.into_error()))?;
    file.sync_all().map_err(at(&tmp))?;
    std::fs::rename(&tmp, path).map_err(at(path))
}

/// Writes `bytes` to `path` so that a reader sees the old or the new file, never a
/// part: a temporary file beside it, fsync (with `durable`), rename.
///
/// # Errors
/// The I/O error.
pub fn write_atomically(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    if durable {
        file.sync_data()?;
    }
    std::fs::rename(&tmp, path)
}

/// A file name for an applicant's QR image: the reference where it is made of
/// letters, digits, `-`, `_` and `.` (not leading); otherwise those characters
/// with `_` for the others and 8 hex digits of the reference's SHA-256, so two
/// references never share a file. Never a path separator, never `.` or `..`.
#[must_use]
pub fn qr_file_name(reference: &str, extension: &str) -> String {
    let mut name: String = reference
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned();
    if name != reference || name.is_empty() {
        let digest = Sha256::digest(reference.as_bytes());
        name.push('-');
        for byte in &digest[..4] {
            name.push_str(&format!("{byte:02x}"));
        }
    }
    format!("{name}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_file_names_are_plain_and_distinct() {
        assert_eq!(qr_file_name("P-0001", "png"), "P-0001.png");
        let slash = qr_file_name("a/b", "png");
        let underscore = qr_file_name("a_b", "png");
        assert!(slash.starts_with("a_b-") && slash.len() == "a_b-12345678.png".len());
        assert_eq!(underscore, "a_b.png");
        for hostile in ["..", "../../etc/passwd", ".", "", "a\\b", "\u{0}x", "ü"] {
            let name = qr_file_name(hostile, "png");
            assert!(!name.contains('/') && !name.contains('\\') && !name.starts_with('.'));
            assert_ne!(name, qr_file_name(&format!("{hostile}x"), "png"));
        }
    }

    fn identity(rows: u64) -> RunIdentity {
        RunIdentity {
            input_sha256: "ab".into(),
            credential_type: "passport".into(),
            format: "dc+sd-jwt".into(),
            rows,
        }
    }

    fn offer(row: u64) -> OfferLine<'static> {
        OfferLine {
            row,
            line: row + 1,
            reference: "r",
            id: "c",
            created: true,
            offer_link: "l",
            tx_code: "1",
            expires_at: 0,
            qr: None,
        }
    }

    fn refusal(row: u64, retryable: bool) -> RejectLine<'static> {
        RejectLine {
            row,
            line: row + 1,
            reference: None,
            status: None,
            code: "x",
            detail: "d",
            errors: &[],
            retryable,
        }
    }

    #[test]
    fn a_reopened_directory_knows_every_row_on_file_and_drops_retryable_ones() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut j = Journal::open(dir.path(), identity(10)).unwrap();
            assert!(matches!(
                Journal::open(dir.path(), identity(10)),
                Err(JournalError::Busy(_))
            ));
            j.record_offer(&offer(1)).unwrap();
            j.record_refusal(&refusal(2, false)).unwrap();
            j.record_refusal(&refusal(3, true)).unwrap();
            j.checkpoint().unwrap();
            j.record_offer(&offer(4)).unwrap(); // written, never checkpointed
            j.offers.flush().unwrap();
        }
        // A kill in the middle of a line.
        let offers = dir.path().join(OFFERS_FILE);
        let mut f = OpenOptions::new().append(true).open(&offers).unwrap();
        f.write_all(b"{\"row\":5,\"li").unwrap();
        let j = Journal::open(dir.path(), identity(10)).unwrap();
        let done: Vec<u64> = (1..=10).filter(|n| j.done().contains(*n)).collect();
        assert_eq!(done, vec![1, 2, 4]);
        assert_eq!(j.totals(), (2, 1));
        let text = std::fs::read_to_string(&offers).unwrap();
        assert!(text.ends_with("}\n") && text.lines().count() == 2);
        let rejected = std::fs::read_to_string(dir.path().join(REJECTED_FILE)).unwrap();
        assert_eq!(rejected.lines().count(), 1);
        drop(j);
        assert!(matches!(
            Journal::open(dir.path(), identity(11)),
            Err(JournalError::OtherRun { .. })
        ));
    }
}
