//! The `log` crate's backend: `[seconds.micros LEVEL target] message`.
//!
//! The level comes from the kernel command line (`LOG=debug`); the default is
//! `warn` so that a normal boot stays quiet.

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::arch::timer;

struct Logger;

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ns = timer::now_ns();
        let color = match record.level() {
            Level::Error => 31,
            Level::Warn => 33,
            Level::Info => 32,
            Level::Debug => 36,
            Level::Trace => 90,
        };
        crate::println!(
            "\x1b[{color}m[{:>5}.{:06} {:<5} {}]\x1b[0m {}",
            ns / 1_000_000_000,
            ns % 1_000_000_000 / 1000,
            record.level(),
            record.target(),
            record.args()
        );
    }

    fn flush(&self) {}
}

static LOGGER: Logger = Logger;

/// Parses a `LOG=` value; unknown words give `None`.
pub fn parse_level(word: &str) -> Option<LevelFilter> {
    Some(match word.to_ascii_lowercase().as_str() {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}

pub fn init(level: LevelFilter) {
    // A second call keeps the first logger, which is what we want.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}
