//! What the core reports about its work, and how a host receives it.
//!
//! The core emits [`tracing`] spans and events (target `weixinkit::…`) for token refreshes,
//! refresh-lock waits, the compare-and-refresh decision, HTTP retries, store errors and the
//! lifecycle steps of the Open Platform and WeCom suites. Fields name what happened (the
//! store key, which holds app ids only, the kind of token, errcodes, attempts): never a
//! token, ticket, code or secret.
//!
//! A Rust program sees them through whatever `tracing` subscriber it installs. A host
//! (Python, Kotlin, PHP) installs this module's bridge with [`set_log_sink`]: from then on
//! every enabled event reaches the sink as a [`LogRecord`], with the fields of the spans it
//! happened in. Until then nothing is installed, and every event costs one relaxed load of
//! `tracing`'s global level filter; [`clear_log_sink`] turns it off again.
//!
//! Levels: `debug` for hot-path decisions (a token taken from the store, a lock wait, the
//! compare-and-refresh outcome), `info` for refreshes and lifecycle steps, `warn` for retries
//! and failures.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

use crate::{Error, Result};

/// How much a record matters, from most to least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Something failed and was not recovered.
    Error,
    /// A retry, a failed fetch, a store error.
    Warn,
    /// A token refresh, a lifecycle step.
    Info,
    /// Hot-path decisions: lock waits, compare-and-refresh.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// `"error"`, `"warn"`, `"info"`, `"debug"` or `"trace"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// Parse a level name as hosts spell it (`warning` too, any case).
    pub fn parse(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "error" => Ok(LogLevel::Error),
            "warn" | "warning" => Ok(LogLevel::Warn),
            "info" => Ok(LogLevel::Info),
            "debug" => Ok(LogLevel::Debug),
            "trace" => Ok(LogLevel::Trace),
            _ => Err(Error::invalid_argument(format!(
                "log level {name:?} is not one of error, warn, info, debug, trace"
            ))),
        }
    }

    fn from_tracing(level: &tracing::Level) -> Self {
        match *level {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::TRACE => LogLevel::Trace,
        }
    }

    fn filter(self) -> LevelFilter {
        match self {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

/// One event as a host logger receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Its level.
    pub level: LogLevel,
    /// Where it comes from, e.g. `weixinkit::token`.
    pub target: String,
    /// What happened, in words.
    pub message: String,
    /// Its fields, then those of the spans it happened in (innermost first), in order.
    pub fields: Vec<(String, String)>,
}

impl LogRecord {
    /// The value of field `name`, if the record has it.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `message key=value …`, as a line of text.
    pub fn to_line(&self) -> String {
        let mut line = self.message.clone();
        for (k, v) in &self.fields {
            let _ = write!(line, " {k}={v}");
        }
        line
    }
}

/// Where records go. Called on whichever thread emitted the event (a caller's or one of the
/// library's runtime workers), so it must be quick and must not block on that thread's work.
pub trait LogSink: Send + Sync + 'static {
    /// Take one record.
    fn log(&self, record: LogRecord);
}

/// A sink that keeps the last `capacity` records until [`drain`](LogBuffer::drain)ed: for
/// hosts whose loggers may only run on their own thread (PHP), which drain it after each call.
pub struct LogBuffer {
    records: Mutex<VecDeque<LogRecord>>,
    capacity: usize,
    dropped: AtomicU64,
}

impl LogBuffer {
    /// A buffer keeping at most `capacity` records (the oldest go first).
    pub fn new(capacity: usize) -> Self {
        LogBuffer {
            records: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
            dropped: AtomicU64::new(0),
        }
    }

    /// The records kept since the last drain, oldest first, and how many were dropped
    /// because the buffer was full.
    pub fn drain(&self) -> (Vec<LogRecord>, u64) {
        let records = std::mem::take(&mut *self.records.lock().unwrap_or_else(|p| p.into_inner()));
        (records.into(), self.dropped.swap(0, Ordering::Relaxed))
    }
}

impl LogSink for LogBuffer {
    fn log(&self, record: LogRecord) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() >= self.capacity {
            records.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        records.push_back(record);
    }
}

/// Send every event at `level` or above to `sink`, replacing any previous sink. Installs the
/// bridge as the process's global `tracing` subscriber on first use; fails with a `config`
/// error if the program already installed another one (then use that one).
pub fn set_log_sink(sink: Arc<dyn LogSink>, level: LogLevel) -> Result<()> {
    install()?;
    *BRIDGE.sink.write().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    BRIDGE.level.store(level as usize + 1, Ordering::Relaxed);
    tracing::callsite::rebuild_interest_cache();
    Ok(())
}

/// Stop sending events anywhere: back to the cost of logging being off.
pub fn clear_log_sink() {
    BRIDGE.level.store(0, Ordering::Relaxed);
    *BRIDGE.sink.write().unwrap_or_else(|p| p.into_inner()) = None;
    tracing::callsite::rebuild_interest_cache();
}

fn install() -> Result<()> {
    static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            tracing::subscriber::set_global_default(Forward).map_err(|_| {
                "another tracing subscriber is already installed in this process; \
                 weixinkit's events go to it"
                    .to_string()
            })
        })
        .clone()
        .map_err(Error::Config)
}

/// The bridge's state: the sink and the level (0 = off, else `LogLevel as usize + 1`).
struct Bridge {
    sink: RwLock<Option<Arc<dyn LogSink>>>,
    level: AtomicUsize,
    spans: Mutex<BTreeMap<u64, SpanData>>,
    next_span: AtomicU64,
}

struct SpanData {
    fields: Vec<(String, String)>,
    refs: usize,
}

static BRIDGE: Bridge = Bridge {
    sink: RwLock::new(None),
    level: AtomicUsize::new(0),
    spans: Mutex::new(BTreeMap::new()),
    next_span: AtomicU64::new(1),
};

thread_local! {
    /// The spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

impl Bridge {
    fn current(&self) -> LevelFilter {
        match self.level.load(Ordering::Relaxed) {
            0 => LevelFilter::OFF,
            n => [
                LogLevel::Error,
                LogLevel::Warn,
                LogLevel::Info,
                LogLevel::Debug,
                LogLevel::Trace,
            ][(n - 1).min(4)]
            .filter(),
        }
    }
}

/// Only the library's own events: hyper's and others' stay out of the host's logs.
fn ours(meta: &Metadata<'_>) -> bool {
    meta.target() == "weixinkit" || meta.target().starts_with("weixinkit::")
}

/// The `tracing` subscriber forwarding to the bridge's sink.
struct Forward;

#[derive(Default)]
struct Fields {
    message: Option<String>,
    fields: Vec<(String, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_string());
        } else {
            self.fields
                .push((field.name().to_string(), value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = Some(text);
        } else {
            self.fields.push((field.name().to_string(), text));
        }
    }
}

impl Subscriber for Forward {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if ours(meta) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        ours(meta) && *meta.level() <= BRIDGE.current()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(BRIDGE.current())
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let mut all = vec![("span".to_string(), attrs.metadata().name().to_string())];
        all.extend(fields.fields);
        let id = BRIDGE.next_span.fetch_add(1, Ordering::Relaxed);
        BRIDGE
            .spans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                id,
                SpanData {
                    fields: all,
                    refs: 1,
                },
            );
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        if let Some(data) = BRIDGE
            .spans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&span.into_u64())
        {
            data.fields.extend(fields.fields);
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Some(sink) = BRIDGE
            .sink
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        else {
            return;
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut all = fields.fields;
        ENTERED.with(|entered| {
            let spans = BRIDGE.spans.lock().unwrap_or_else(|p| p.into_inner());
            for id in entered.borrow().iter().rev() {
                if let Some(data) = spans.get(id) {
                    for (k, v) in &data.fields {
                        if !all.iter().any(|(name, _)| name == k) {
                            all.push((k.clone(), v.clone()));
                        }
                    }
                }
            }
        });
        let meta = event.metadata();
        sink.log(LogRecord {
            level: LogLevel::from_tracing(meta.level()),
            target: meta.target().to_string(),
            message: fields.message.unwrap_or_default(),
            fields: all,
        });
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|entered| entered.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        ENTERED.with(|entered| {
            let mut entered = entered.borrow_mut();
            if let Some(at) = entered.iter().rposition(|id| *id == span.into_u64()) {
                entered.remove(at);
            }
        });
    }

    fn clone_span(&self, id: &Id) -> Id {
        if let Some(data) = BRIDGE
            .spans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&id.into_u64())
        {
            data.refs += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let mut spans = BRIDGE.spans.lock().unwrap_or_else(|p| p.into_inner());
        match spans.get_mut(&id.into_u64()) {
            Some(data) if data.refs > 1 => {
                data.refs -= 1;
                false
            }
            Some(_) => {
                spans.remove(&id.into_u64());
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_as_hosts_spell_them() {
        assert_eq!(LogLevel::parse("WARNING").unwrap(), LogLevel::Warn);
        assert_eq!(LogLevel::parse("debug").unwrap(), LogLevel::Debug);
        let e = LogLevel::parse("loud").unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_and_counts_them() {
        let buffer = LogBuffer::new(2);
        for n in 0..3 {
            buffer.log(LogRecord {
                level: LogLevel::Info,
                target: "weixinkit::token".into(),
                message: format!("m{n}"),
                fields: vec![],
            });
        }
        let (records, dropped) = buffer.drain();
        let messages: Vec<_> = records.iter().map(|r| r.message.as_str()).collect();
        assert_eq!((messages, dropped), (vec!["m1", "m2"], 1));
        assert_eq!(buffer.drain(), (vec![], 0));
    }
}
