//! A connection's socket that fails a read or write still waiting past its clock's deadline.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::connection_clock::ConnectionClock;

/// The socket of one connection. Hyper then sees a timed-out read or write as an I/O error and
/// closes the connection: that is how a client that holds it without sending (or without
/// reading its answer) is let go.
pub(crate) struct TimedIo<S> {
    inner: S,
    clock: Arc<ConnectionClock>,
    sleep: Pin<Box<Sleep>>,
    armed: Option<Instant>,
}

impl<S> TimedIo<S> {
    pub(crate) fn new(inner: S, clock: Arc<ConnectionClock>) -> Self {
        Self {
            inner,
            clock,
            sleep: Box::pin(tokio::time::sleep_until(Instant::now())),
            armed: None,
        }
    }

    /// Called when the socket is not ready: an error once the deadline has passed, otherwise
    /// pending, with the task woken at the deadline to look again.
    fn expired(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let Some(deadline) = self.clock.deadline() else {
            return Poll::Pending;
        };
        if self.armed != Some(deadline) {
            self.sleep.as_mut().reset(deadline);
            self.armed = Some(deadline);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client held the connection past its deadline",
            )),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Makes sure the task wakes at the clock's deadline. An answer is written after its
    /// request's handler set the idle deadline, while the read that hyper left waiting only
    /// wakes for bytes: without this, an idle connection would wait for its client forever.
    fn arm(&mut self, cx: &mut Context<'_>) {
        // Ready means the deadline has passed: the next read or write reports it.
        let _ = self.expired(cx);
    }

    fn pending_or_expired<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        self.expired(cx).map(Err)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TimedIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.clock.bytes_arrived();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => this.pending_or_expired(cx),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TimedIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Pending => this.pending_or_expired(cx),
            ready @ Poll::Ready(_) => {
                this.arm(cx);
                ready
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => this.pending_or_expired(cx),
            ready @ Poll::Ready(_) => {
                this.arm(cx);
                ready
            }
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
