use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::atomic_file::AtomicFile;
use crate::hashing_writer::HashingWriter;
use crate::timestamp::civil_utc;
use crate::{Digest, PublishError, Result};

/// A wheel archive being written: every entry gets the same timestamp and a normalised mode,
/// and is recorded (sha256, size) for the `RECORD` file written last.
pub(crate) struct WheelWriter {
    zip: ZipWriter<AtomicFile>,
    record: String,
    time: DateTime,
    dest: PathBuf,
}

impl WheelWriter {
    pub(crate) fn create(dest: &Path, source_date_epoch: u64) -> Result<Self> {
        let dir = dest.parent().unwrap_or_else(|| Path::new("."));
        Ok(Self {
            zip: ZipWriter::new(AtomicFile::new_in(dir)?),
            record: String::new(),
            time: zip_time(source_date_epoch)?,
            dest: dest.to_path_buf(),
        })
    }

    fn start(&mut self, name: &str, executable: bool) -> Result<()> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(self.time)
            .unix_permissions(if executable { 0o755 } else { 0o644 });
        self.zip
            .start_file(name, options)
            .map_err(|e| self.zip_error(e))
    }

    fn record(&mut self, name: &str, digest: Digest, size: u64) {
        let hash = URL_SAFE_NO_PAD.encode(digest.as_bytes());
        let _ = writeln!(self.record, "{},sha256={hash},{size}", csv_field(name));
    }

    pub(crate) fn add_file(&mut self, name: &str, src: &Path, executable: bool) -> Result<()> {
        self.start(name, executable)?;
        let mut input = File::open(src).map_err(|e| PublishError::io("read", src, e))?;
        let mut output = HashingWriter::new(&mut self.zip);
        io::copy(&mut input, &mut output).map_err(|e| PublishError::io("archive", src, e))?;
        let (_, digest, size) = output.finish();
        self.record(name, digest, size);
        Ok(())
    }

    pub(crate) fn add_bytes(&mut self, name: &str, data: &[u8]) -> Result<()> {
        self.start(name, false)?;
        self.zip
            .write_all(data)
            .map_err(|e| PublishError::io("write archive", &self.dest, e))?;
        self.record(name, Digest::of_bytes(data), data.len() as u64);
        Ok(())
    }

    /// Writes `record_name` (which lists itself without a hash, as the wheel format says) and
    /// moves the archive into place.
    pub(crate) fn finish(mut self, record_name: &str) -> Result<()> {
        let mut record = std::mem::take(&mut self.record);
        let _ = writeln!(record, "{},,", csv_field(record_name));
        self.start(record_name, false)?;
        self.zip
            .write_all(record.as_bytes())
            .map_err(|e| PublishError::io("write archive", &self.dest, e))?;
        let dest = self.dest.clone();
        let file = self.zip.finish().map_err(|e| zip_error(&dest, e))?;
        file.commit(&dest)
    }

    fn zip_error(&self, e: ZipError) -> PublishError {
        zip_error(&self.dest, e)
    }
}

fn zip_error(dest: &Path, e: ZipError) -> PublishError {
    match e {
        ZipError::Io(cause) => PublishError::io("write archive", dest, cause),
        other => PublishError::Archive {
            path: dest.to_path_buf(),
            cause: other.to_string(),
        },
    }
}

/// ZIP stores local civil time from 1980 to 2107; the epoch is taken as UTC and clamped to
/// that range, as Python's wheel tools do with `SOURCE_DATE_EPOCH`.
fn zip_time(epoch: u64) -> Result<DateTime> {
    let civil = civil_utc(epoch)?;
    if civil.year() < 1980 {
        return Ok(DateTime::default());
    }
    let part = |v: i8| u8::try_from(v).unwrap_or(0);
    let year = u16::try_from(civil.year()).unwrap_or(2107).min(2107);
    Ok(DateTime::from_date_and_time(
        year,
        part(civil.month()),
        part(civil.day()),
        part(civil.hour()),
        part(civil.minute()),
        part(civil.second()),
    )
    .unwrap_or_default())
}

/// A RECORD field, quoted when it holds a comma, quote or line break.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_csv_fields_only_when_needed() {
        assert_eq!(csv_field("a/b.py"), "a/b.py");
        assert_eq!(csv_field("a,\"b\".py"), "\"a,\"\"b\"\".py\"");
    }

    #[test]
    fn clamps_times_to_the_zip_range() {
        assert_eq!(zip_time(0).unwrap(), DateTime::default());
        let t = zip_time(1_700_000_000).unwrap();
        assert_eq!((t.year(), t.month(), t.day()), (2023, 11, 14));
    }
}
