//! The message-of-the-day file: read once at start, with a bounded read,
//! so that `/dev/zero`, a FIFO or a huge file is a clear start error
//! instead of unbounded memory or a registration burst that no send queue
//! holds. Lines too long for a `372` reply are cut.

use std::io::Read;
use std::path::{Path, PathBuf};

use ciao_proto::names::NICK_LEN;

/// The largest MOTD file, in bytes.
pub const MAX_BYTES: usize = 64 * 1024;
/// The most lines a MOTD may have: every client gets all of them at
/// registration, in one burst.
pub const MAX_LINES: usize = 100;

/// Why the MOTD file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MotdError {
    #[error("cannot read the MOTD file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the MOTD file {path} is not a regular file")]
    NotAFile { path: PathBuf },
    #[error("the MOTD file {path} {problem}")]
    Invalid { path: PathBuf, problem: Problem },
}

/// What is wrong with the MOTD's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("has more than {MAX_LINES} lines")]
    TooManyLines,
    // An error rather than U+FFFD: the admin can fix the file once, where
    // replacement characters would be shown to every user.
    #[error("is not UTF-8 (line {line}); save it as UTF-8")]
    NotUtf8 { line: usize },
}

/// The longest MOTD line, in bytes, that keeps
/// `:<server> 372 <nick> :- <line>` within IRC's 510 bytes before CRLF,
/// for the longest nick (30 characters of up to 4 bytes).
pub fn line_budget(server_name: &str) -> usize {
    let overhead = ":".len() + server_name.len() + " 372 ".len() + NICK_LEN * 4 + " :- ".len();
    510usize.saturating_sub(overhead)
}

/// Reads the MOTD at `path`, never more than `MAX_BYTES` + 1 bytes of it.
pub fn read(path: &Path, line_budget: usize) -> Result<Vec<String>, MotdError> {
    let read_error = |source| MotdError::Read {
        path: path.to_owned(),
        source,
    };
    // Checked before opening: opening a FIFO blocks until someone writes.
    if !std::fs::metadata(path).map_err(read_error)?.is_file() {
        return Err(MotdError::NotAFile {
            path: path.to_owned(),
        });
    }
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    parse(&bytes, line_budget).map_err(|problem| MotdError::Invalid {
        path: path.to_owned(),
        problem,
    })
}

/// The MOTD's lines, each cut (on a character boundary) to `line_budget`
/// bytes.
pub fn parse(bytes: &[u8], line_budget: usize) -> Result<Vec<String>, Problem> {
    if bytes.len() > MAX_BYTES {
        return Err(Problem::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let before = &bytes[..error.valid_up_to()];
        Problem::NotUtf8 {
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
        }
    })?;
    if text.lines().count() > MAX_LINES {
        return Err(Problem::TooManyLines);
    }
    Ok(text
        .lines()
        .map(|line| cut(line, line_budget).to_owned())
        .collect())
}

/// The longest prefix of `line` of at most `max` bytes that ends on a
/// character boundary.
fn cut(line: &str, max: usize) -> &str {
    let mut end = max.min(line.len());
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_and_cut_on_a_char_boundary() {
        assert_eq!(
            parse(b"hello\r\nworld\n", 100),
            Ok(vec!["hello".to_owned(), "world".to_owned()])
        );
        // "é" is two bytes: a cut through it keeps the whole character out.
        assert_eq!(parse("aé".as_bytes(), 2), Ok(vec!["a".to_owned()]));
        assert_eq!(parse(b"", 100), Ok(Vec::new()));
    }

    #[test]
    fn bounds_are_errors() {
        assert_eq!(
            parse(&vec![b'x'; MAX_BYTES + 1], 100),
            Err(Problem::TooLarge)
        );
        assert!(parse(&vec![b'x'; MAX_BYTES], MAX_BYTES).is_ok());
        let lines = "x\n".repeat(MAX_LINES);
        assert!(parse(lines.as_bytes(), 100).is_ok());
        let lines = "x\n".repeat(MAX_LINES + 1);
        assert_eq!(parse(lines.as_bytes(), 100), Err(Problem::TooManyLines));
        assert_eq!(
            parse(b"fine\n\xffbad\n", 100),
            Err(Problem::NotUtf8 { line: 2 })
        );
    }

    #[test]
    fn a_cut_line_fits_a_512_byte_reply() {
        let server = "irc.example.org";
        let budget = line_budget(server);
        let nick = "é".repeat(NICK_LEN);
        let line = "x".repeat(1000);
        let motd = parse(line.as_bytes(), budget).expect("motd");
        let reply = format!(":{server} 372 {nick} :- {}\r\n", motd[0]);
        assert_eq!(reply.len(), 512 - (4 * NICK_LEN - nick.len()));
        assert!(reply.len() <= 512);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_without_reading() {
        let error = read(Path::new("/dev/zero"), 100).expect_err("a device");
        assert_eq!(
            error.to_string(),
            "the MOTD file /dev/zero is not a regular file"
        );
        // Opening a FIFO would block until a writer came.
        let dir = tempfile::tempdir().expect("dir");
        let fifo = dir.path().join("motd.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|status| status.success()) {
            let error = read(&fifo, 100).expect_err("a FIFO");
            assert!(error.to_string().ends_with("is not a regular file"));
        }
        let error = read(Path::new("/nonexistent/motd"), 100).expect_err("missing");
        assert!(error.to_string().starts_with("cannot read the MOTD file"));
    }
}
