//! The header-read timeout without a timer per request: each connection counts its requests,
//! and one watchdog per connection closes it once no request has started and none has been
//! in flight for the whole limit (a slowloris dribbling its head, an idle keep-alive
//! connection). hyper's own `header_read_timeout` arms, polls and clears a timer for every
//! request; that cost 5 to 8% of `GET /v1/versionInfo`'s throughput (issue 8).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};

/// The watchdog looks this many times per limit, so a connection is closed between the limit
/// and a quarter more after its last request was answered (or after it was accepted).
const CHECKS_PER_LIMIT: u32 = 4;

/// What a connection's watchdog knows of its requests.
#[derive(Default)]
pub(super) struct Activity {
    /// Requests whose head has been read.
    started: AtomicU64,
    /// Requests read and not answered yet.
    in_flight: AtomicUsize,
}

/// A service (the router) that counts one connection's requests into its [`Activity`].
#[derive(Clone)]
pub(super) struct Counted<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Counted<S> {
    pub(super) fn new(inner: S, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }
}

impl<S: tower_service::Service<R>, R> tower_service::Service<R> for Counted<S>
where
    S::Future: Unpin,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Counting<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        self.activity.started.fetch_add(1, Ordering::Relaxed);
        self.activity.in_flight.fetch_add(1, Ordering::Relaxed);
        Counting {
            inner: self.inner.call(request),
            _in_flight: InFlight(Arc::clone(&self.activity)),
        }
    }
}

/// A request's answer on its way; in flight until it resolves or is dropped.
pub(super) struct Counting<F> {
    inner: F,
    _in_flight: InFlight,
}

impl<F: Future + Unpin> Future for Counting<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        Pin::new(&mut self.get_mut().inner).poll(cx)
    }
}

struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Resolves once the connection has started no request and had none in flight for `limit`
/// (checked every quarter of it, so between `limit` and 1.25 × `limit`).
pub(super) async fn idle_for(activity: &Activity, limit: Duration) {
    let check = (limit / CHECKS_PER_LIMIT).max(Duration::from_millis(1));
    let mut checks = tokio::time::interval_at(Instant::now() + check, check);
    checks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut seen = activity.started.load(Ordering::Relaxed);
    let mut quiet = 0;
    loop {
        checks.tick().await;
        let started = activity.started.load(Ordering::Relaxed);
        if started != seen || activity.in_flight.load(Ordering::Relaxed) > 0 {
            seen = started;
            quiet = 0;
        } else {
            quiet += 1;
            if quiet >= CHECKS_PER_LIMIT {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted() -> (Counted<tower_service_fn::Echo>, Arc<Activity>) {
        let activity = Arc::new(Activity::default());
        (
            Counted::new(tower_service_fn::Echo, Arc::clone(&activity)),
            activity,
        )
    }

    /// A service whose answer is ready at once.
    mod tower_service_fn {
        use std::convert::Infallible;
        use std::task::{Context, Poll};

        #[derive(Clone)]
        pub struct Echo;

        impl tower_service::Service<u32> for Echo {
            type Response = u32;
            type Error = Infallible;
            type Future = std::future::Ready<Result<u32, Infallible>>;

            fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
                Poll::Ready(Ok(()))
            }

            fn call(&mut self, request: u32) -> Self::Future {
                std::future::ready(Ok(request))
            }
        }
    }

    /// Waits for the watchdog (the clock is paused and jumps ahead) for at most an hour.
    async fn closes(watchdog: impl Future<Output = ()>) {
        tokio::time::timeout(Duration::from_secs(3600), watchdog)
            .await
            .expect("the watchdog closes the connection");
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_is_closed_after_the_limit_and_not_before() {
        let activity = Activity::default();
        let started = Instant::now();
        closes(idle_for(&activity, Duration::from_secs(10))).await;
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_flight_keeps_the_connection_and_its_answer_restarts_the_clock() {
        let (mut service, activity) = counted();
        let answer = tower_service::Service::call(&mut service, 7);
        let started = Instant::now();
        let watchdog = idle_for(&activity, Duration::from_secs(10));
        tokio::pin!(watchdog);
        // Unanswered for a minute: still open.
        assert!(
            tokio::time::timeout(Duration::from_secs(60), &mut watchdog)
                .await
                .is_err()
        );
        assert_eq!(answer.await, Ok(7));
        closes(watchdog).await;
        // Closed between 10 and 12.5 s after the answer.
        let idle = started.elapsed() - Duration::from_secs(60);
        assert!(
            idle >= Duration::from_secs(10) && idle <= Duration::from_millis(12_500),
            "{idle:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn requests_that_keep_starting_keep_the_connection() {
        let (mut service, activity) = counted();
        let watchdog = idle_for(&activity, Duration::from_secs(10));
        tokio::pin!(watchdog);
        for _ in 0..20 {
            let answered = tokio::select! {
                () = &mut watchdog => false,
                () = tokio::time::sleep(Duration::from_secs(3)) => true,
            };
            assert!(answered, "closed while requests kept coming");
            assert_eq!(tower_service::Service::call(&mut service, 1).await, Ok(1));
        }
    }
}
