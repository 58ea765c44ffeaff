//! The kernel command line: `KEY=value` words separated by spaces.
//!
//! Known keys:
//! - `LOG=off|error|warn|info|debug|trace`: log level (default `warn`).
//! - `selftest=panic`: panics on purpose after boot (tests the panic path).
//! - `selftest=lockup`: spins in the kernel after boot (tests the watchdog).
//! - `watchdog_thresh=SECONDS`: how long the kernel may run without
//!   progress before the soft-lockup watchdog panics (default 30).
//! - `init=PATH`: the first user program (PID 1).
//! - `stackcheck`: measure how deep kernel stacks are used, and print the
//!   deepest at power-off (`make test` boots with it).

use log::LevelFilter;

pub struct Cmdline<'a> {
    pub log_level: LevelFilter,
    pub selftest_panic: bool,
    pub selftest_lockup: bool,
    pub watchdog_secs: Option<u64>,
    /// `init=PATH`: the first program to run.
    pub init: Option<&'a str>,
    pub stack_check: bool,
}

pub fn parse(cmdline: &str) -> Cmdline<'_> {
    let mut parsed =
        Cmdline { log_level: LevelFilter::Warn, selftest_panic: false, selftest_lockup: false, watchdog_secs: None, init: None, stack_check: false };
    for word in cmdline.split_ascii_whitespace() {
        match word.split_once('=') {
            Some(("LOG", level)) => match crate::logging::parse_level(level) {
                Some(level) => parsed.log_level = level,
                None => crate::println!("cmdline: unknown log level {level:?}, keeping warn"),
            },
            Some(("selftest", "panic")) => parsed.selftest_panic = true,
            Some(("selftest", "lockup")) => parsed.selftest_lockup = true,
            Some(("watchdog_thresh", secs)) => match secs.parse::<u64>() {
                Ok(secs) if secs > 0 => parsed.watchdog_secs = Some(secs),
                _ => crate::println!("cmdline: bad watchdog_thresh {secs:?}, keeping the default"),
            },
            Some(("init", path)) => parsed.init = Some(path),
            None if word == "stackcheck" => parsed.stack_check = true,
            _ => {}
        }
    }
    parsed
}
