//! Streamed answers in flight (exports), so that a shutdown that cuts one says so: in the log,
//! and in the exit status. The client sees the cut too: its chunked body ends without the
//! closing chunk, which HTTP clients report as an error, never as the end of the file.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Streams(Arc<State>);

#[derive(Debug, Default)]
struct State {
    stopping: AtomicBool,
    open: AtomicUsize,
    cut: AtomicUsize,
}

impl Streams {
    /// Counts a streamed answer until its guard is dropped.
    pub fn open(&self) -> StreamGuard {
        self.0.open.fetch_add(1, Ordering::SeqCst);
        StreamGuard {
            streams: self.clone(),
            finished: false,
        }
    }

    /// The server is stopping: streams that end unfinished from now on were cut by it.
    pub fn stopping(&self) {
        self.0.stopping.store(true, Ordering::SeqCst);
    }

    /// The streams the shutdown cut: ended unfinished after it began, or still open.
    pub fn cut_by_shutdown(&self) -> usize {
        self.0.cut.load(Ordering::SeqCst) + self.0.open.load(Ordering::SeqCst)
    }
}

/// One streamed answer in flight.
#[derive(Debug)]
pub struct StreamGuard {
    streams: Streams,
    finished: bool,
}

impl StreamGuard {
    /// The answer was sent to its end.
    pub fn finished(&mut self) {
        self.finished = true;
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let state = &self.streams.0;
        state.open.fetch_sub(1, Ordering::SeqCst);
        if self.finished {
            return;
        }
        if state.stopping.load(Ordering::SeqCst) {
            state.cut.fetch_add(1, Ordering::SeqCst);
            tracing::error!(
                "a streamed answer was cut by the shutdown before its end; the client sees it \
                 unfinished (FUPIN_SHUTDOWN_SECS gives streams longer)"
            );
        } else {
            tracing::warn!("a streamed answer ended before its end: the client went away");
        }
    }
}
