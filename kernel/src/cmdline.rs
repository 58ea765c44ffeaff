//! The kernel command line: `KEY=value` words separated by spaces.
//!
//! Known keys:
//! - `LOG=off|error|warn|info|debug|trace`: log level (default `warn`).
//! - `selftest=panic`: panics on purpose after boot (tests the panic path).
//! - `init=PATH`: the first user program (PID 1).

use log::LevelFilter;

pub struct Cmdline<'a> {
    pub log_level: LevelFilter,
    pub selftest_panic: bool,
    /// `init=PATH`: the first program to run.
    pub init: Option<&'a str>,
}

pub fn parse(cmdline: &str) -> Cmdline<'_> {
    let mut parsed = Cmdline { log_level: LevelFilter::Warn, selftest_panic: false, init: None };
    for word in cmdline.split_ascii_whitespace() {
        match word.split_once('=') {
            Some(("LOG", level)) => match crate::logging::parse_level(level) {
                Some(level) => parsed.log_level = level,
                None => crate::println!("cmdline: unknown log level {level:?}, keeping warn"),
            },
            Some(("selftest", "panic")) => parsed.selftest_panic = true,
            Some(("init", path)) => parsed.init = Some(path),
            _ => {}
        }
    }
    parsed
}
