//! `eventually`: the one poll-until helper. It asks `probe` every 20 ms until it answers `Some`, for at most
//! `within` of real time; `None` means it never did, and the caller panics saying what it waited for.

use std::future::Future;
use std::time::Duration;

const EVERY: Duration = Duration::from_millis(20);

pub async fn eventually<T, F, Fut>(within: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = probe().await {
            return Some(found);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(EVERY).await;
    }
}
