//! An import file as uploaded: spooled to a temporary file, checked once as text (UTF-8, not
//! blank), then read from there as often as the reading needs.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use tempfile::NamedTempFile;

use crate::error::AppError;

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// How much of the file is read at a time.
const CHUNK: usize = 64 << 10;

/// An upload spooled to a temporary file (removed when this is dropped), known to be UTF-8
/// text that is not blank.
pub struct Upload {
    file: NamedTempFile,
    /// Where the text starts: after a byte-order mark, if there is one.
    text_starts_at: u64,
}

impl Upload {
    /// Checks the spooled upload: UTF-8 (a byte-order mark is dropped) and not blank.
    pub fn check(file: NamedTempFile) -> Result<Self, AppError> {
        let text_starts_at = check_text(file.reopen().map_err(unreadable)?)?;
        Ok(Self {
            file,
            text_starts_at,
        })
    }

    /// A new reader of the text, from its start.
    pub(super) fn text(&self) -> Result<BufReader<File>, AppError> {
        let mut file = self.file.reopen().map_err(unreadable)?;
        file.seek(SeekFrom::Start(self.text_starts_at))
            .map_err(unreadable)?;
        Ok(BufReader::with_capacity(CHUNK, file))
    }
}

fn unreadable(error: io::Error) -> AppError {
    tracing::error!(%error, "a spooled upload could not be read back");
    AppError::internal()
}

/// Reads the whole file once: the length of its byte-order mark (0 without one), or why it is
/// not text. Offsets in the answer count from after the mark.
fn check_text(mut reader: impl Read) -> Result<u64, AppError> {
    let mut pending = Vec::with_capacity(2 * CHUNK);
    let mut chunk = vec![0; CHUNK];
    let mut checked = 0usize;
    let mut blank = true;
    let mut mark = None;
    loop {
        let read = read_some(&mut reader, &mut chunk)?;
        let end = read == 0;
        pending.extend_from_slice(&chunk[..read]);
        if mark.is_none() {
            if pending.len() < BYTE_ORDER_MARK.len() && !end {
                continue;
            }
            let found = pending.starts_with(BYTE_ORDER_MARK);
            if found {
                pending.drain(..BYTE_ORDER_MARK.len());
            }
            mark = Some(if found {
                BYTE_ORDER_MARK.len() as u64
            } else {
                0
            });
        }
        let valid = match std::str::from_utf8(&pending) {
            Ok(text) => {
                blank &= text.trim().is_empty();
                pending.len()
            }
            // A character cut at the end of what was read so far: the next read completes it.
            Err(error) if error.error_len().is_none() && !end => {
                let valid = error.valid_up_to();
                blank &= std::str::from_utf8(&pending[..valid])
                    .map_or(true, |text| text.trim().is_empty());
                valid
            }
            Err(error) => return Err(not_utf8(checked + error.valid_up_to())),
        };
        checked += valid;
        pending.drain(..valid);
        if end {
            break;
        }
    }
    if blank {
        return Err(AppError::bad_request("The file is empty", "文件为空"));
    }
    Ok(mark.unwrap_or(0))
}

fn read_some(reader: &mut impl Read, buffer: &mut [u8]) -> Result<usize, AppError> {
    loop {
        match reader.read(buffer) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            read => return read.map_err(unreadable),
        }
    }
}

fn not_utf8(offset: usize) -> AppError {
    AppError::bad_request(
        format!("The file is not UTF-8: invalid bytes at offset {offset}"),
        format!("文件不是 UTF-8 编码：第 {offset} 字节处无效"),
    )
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// Hands out one byte a read, so that a mark or a character is cut at every place.
    struct OneByteAtATime<R>(R);

    impl<R: Read> Read for OneByteAtATime<R> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let end = buffer.len().min(1);
            self.0.read(&mut buffer[..end])
        }
    }

    fn detail(problem: AppError) -> String {
        assert_eq!(problem.kind.status(), 400);
        problem.detail.unwrap().en
    }

    #[test]
    fn a_character_cut_between_two_reads_is_text() {
        let mut bytes = vec![b' '; CHUNK - 1];
        bytes.extend_from_slice("王五\n".as_bytes());
        assert_eq!(check_text(Cursor::new(&bytes)).unwrap(), 0);
        let marked = [BYTE_ORDER_MARK, "{\"a\": \"王\"}\r\n".as_bytes()].concat();
        assert_eq!(check_text(OneByteAtATime(Cursor::new(&marked))).unwrap(), 3);
    }

    #[test]
    fn invalid_bytes_are_named_by_their_offset_after_the_mark() {
        let mut bytes = BYTE_ORDER_MARK.to_vec();
        bytes.extend(std::iter::repeat_n(b'a', CHUNK + 10));
        bytes.push(0xFF);
        bytes.extend_from_slice(b"\n");
        let problem = check_text(Cursor::new(&bytes)).unwrap_err();
        assert_eq!(
            detail(problem),
            format!(
                "The file is not UTF-8: invalid bytes at offset {}",
                CHUNK + 10
            )
        );
        // A character cut off by the end of the file is not text either.
        let cut = "王".as_bytes()[..2].to_vec();
        assert!(check_text(OneByteAtATime(Cursor::new(&cut))).is_err());
    }

    #[test]
    fn a_file_of_blanks_or_a_mark_alone_is_empty() {
        for bytes in [&b""[..], b" \r\n\t\n", BYTE_ORDER_MARK] {
            let problem = check_text(Cursor::new(bytes)).unwrap_err();
            assert_eq!(detail(problem), "The file is empty");
        }
    }
}
