//! `#!` scripts for execve(2). Mirrors `load_script` (fs/binfmt_script.c):
//! "#!interpreter [optional-arg]" on the first line makes execve run the
//! interpreter with argv = [interpreter, optional-arg?, pathname, argv[1..]].

use alloc::vec::Vec;

use crate::error::{Errno, Error, Result};

/// Linux reads at most this much of the file's start (BINPRM_BUF_SIZE).
pub const BINPRM_BUF_SIZE: usize = 256;
/// Interpreters may themselves be scripts this many times (BINPRM_MAX_RECURSION).
pub const MAX_RECURSION: usize = 4;

/// The interpreter line of a script.
#[derive(Debug, PartialEq, Eq)]
pub struct Shebang {
    pub interpreter: Vec<u8>,
    pub arg: Option<Vec<u8>>,
}

/// Parses a `#!` line from the start of a file; `None` if it is no script.
/// `ENOEXEC` when the line has no interpreter or is longer than
/// BINPRM_BUF_SIZE without a newline (Linux refuses truncated interpreters).
pub fn parse(head: &[u8]) -> Result<Option<Shebang>> {
    if !head.starts_with(b"#!") {
        return Ok(None);
    }
    let head = &head[..head.len().min(BINPRM_BUF_SIZE)];
    let line = match head.iter().position(|&b| b == b'\n') {
        Some(end) => &head[2..end],
        None if head.len() < BINPRM_BUF_SIZE => &head[2..],
        None => return Err(Error::with_message(Errno::ENOEXEC, "#! line too long")),
    };
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let line = trim(line, is_blank);
    let interp_end = line.iter().position(is_blank).unwrap_or(line.len());
    let interpreter = &line[..interp_end];
    if interpreter.is_empty() {
        return Err(Error::with_message(Errno::ENOEXEC, "#! without an interpreter"));
    }
    // "the optional-arg ... is everything after the interpreter name,
    // including white space, as one argument" - execve(2), trimmed.
    let rest = trim(&line[interp_end..], is_blank);
    Ok(Some(Shebang { interpreter: interpreter.to_vec(), arg: (!rest.is_empty()).then(|| rest.to_vec()) }))
}

fn trim(mut s: &[u8], blank: impl Fn(&u8) -> bool) -> &[u8] {
    while s.first().is_some_and(&blank) {
        s = &s[1..];
    }
    while s.last().is_some_and(|b| blank(b) || *b == b'\r') {
        s = &s[..s.len() - 1];
    }
    s
}

/// The argv the interpreter gets.
pub fn interpreter_argv(shebang: &Shebang, path: &[u8], argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(argv.len() + 2);
    out.push(shebang.interpreter.clone());
    if let Some(arg) = &shebang.arg {
        out.push(arg.clone());
    }
    out.push(path.to_vec());
    out.extend(argv.iter().skip(1).cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn parses_interpreter_and_one_argument() {
        let s = parse(b"#!/bin/sh\necho hi\n").unwrap().unwrap();
        assert_eq!(s, Shebang { interpreter: b"/bin/sh".to_vec(), arg: None });
        let s = parse(b"#! /usr/bin/env  python3 -u \nx").unwrap().unwrap();
        assert_eq!(s.interpreter, b"/usr/bin/env");
        assert_eq!(s.arg.as_deref(), Some(&b"python3 -u"[..]));
        assert_eq!(parse(b"\x7fELF").unwrap(), None);
        assert_eq!(parse(b"#!   \n").unwrap_err().errno, Errno::ENOEXEC);
        assert_eq!(parse(&[b'#', b'!', b'/', b'a', b'a', b'a'].repeat(100)).unwrap_err().errno, Errno::ENOEXEC);
    }

    #[test]
    fn argv_puts_the_script_path_in_place_of_argv0() {
        let s = Shebang { interpreter: b"/bin/sh".to_vec(), arg: Some(b"-e".to_vec()) };
        let argv = interpreter_argv(&s, b"/init", &[b"init".to_vec(), b"x".to_vec()]);
        assert_eq!(argv, vec![b"/bin/sh".to_vec(), b"-e".to_vec(), b"/init".to_vec(), b"x".to_vec()]);
    }
}
