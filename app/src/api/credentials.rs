//! Password hashing with argon2id at OWASP's minimum (19 MiB of memory, 2 passes, 1 lane), run on
//! tokio's blocking threads so a burst of sign-ins never stalls the async ones, at most
//! `MAX_CONCURRENT_HASHES` at once, so a flood of sign-ins cannot exhaust memory and threads,
//! with at most `MAX_WAITING_HASHES` waiting: past that a request is turned away at once ("try
//! again in a minute"), so a flood costs the service a refusal each, not a queue that only grows.

use crate::error::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;
use tokio::sync::{Semaphore, SemaphorePermit};

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;
/// Hashes computed at once (19 MiB each); the rest wait their turn.
pub const MAX_CONCURRENT_HASHES: usize = 4;
/// Hashes waiting for a turn, beyond which more are turned away. At some 50 ms a hash, four at a
/// time, the last of them waits under half a second.
pub const MAX_WAITING_HASHES: usize = 32;

/// Room for a hash being computed or waiting its turn.
static ADMITTED: Semaphore = Semaphore::const_new(MAX_CONCURRENT_HASHES + MAX_WAITING_HASHES);
/// Turns to compute a hash.
static SLOTS: Semaphore = Semaphore::const_new(MAX_CONCURRENT_HASHES);

/// A place in the queue for password hashing. Sign-in takes it before counting the attempt, so
/// an attempt the queue has no room for costs nothing and counts against no one.
pub struct HashingTicket {
    _place: SemaphorePermit<'static>,
}

/// A place in the hashing queue, or "try again in a minute" at once when it is full.
pub fn hashing_ticket() -> Result<HashingTicket, AppError> {
    ADMITTED
        .try_acquire()
        .map(|place| HashingTicket { _place: place })
        .map_err(|_| AppError::Busy)
}

/// Runs one argon2 computation on a blocking thread when a hashing slot is free; `ticket` keeps
/// its place in the queue until it is done.
async fn hash_in_turn<T: Send + 'static>(
    ticket: HashingTicket,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _slot = SLOTS.acquire().await.map_err(|_| AppError::Internal)?;
    let done = tokio::task::spawn_blocking(work).await.map_err(|error| {
        tracing::error!(%error, "password hashing task failed");
        AppError::Internal
    });
    drop(ticket);
    done
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("the argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password: a PHC string carrying the algorithm, parameters and salt.
pub fn hash_password_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

/// Hashes a password in turn, or says "try again in a minute" when the queue is full.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    hash_in_turn(hashing_ticket()?, move || hash_password_now(&password)).await
}

/// Checks a password against a stored hash, in the turn `ticket` holds. With no hash (unknown
/// email, no password yet) it checks against a dummy one, so the answer takes as long either way
/// and reveals nothing.
pub async fn verify_password(
    ticket: HashingTicket,
    password: String,
    stored_hash: Option<String>,
) -> Result<bool, AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    hash_in_turn(ticket, move || {
        let known = stored_hash.is_some();
        let hash_text = stored_hash.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| hash_password_now("not a real password"))
                .clone()
        });
        let matches = PasswordHash::new(&hash_text)
            .map(|hash| hasher().verify_password(password.as_bytes(), &hash).is_ok())
            .unwrap_or(false);
        known && matches
    })
    .await
}

/// A fresh secret for an emailed link: 256 random bits, URL-safe.
pub fn new_link_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_only() {
        let hash = hash_password("coffee lantern meadow".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password(
            hashing_ticket().unwrap(),
            "coffee lantern meadow".into(),
            Some(hash.clone())
        )
        .await
        .unwrap());
        assert!(!verify_password(
            hashing_ticket().unwrap(),
            "coffee lantern meadows".into(),
            Some(hash)
        )
        .await
        .unwrap());
        assert!(
            !verify_password(
                hashing_ticket().unwrap(),
                "not a real password".into(),
                None
            )
            .await
            .unwrap(),
            "no hash never verifies"
        );
    }

    /// Hashing work that waits until let through; `started` counts the ones that began.
    #[derive(Clone, Default)]
    struct Gate {
        started: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        let_through: std::sync::Arc<(std::sync::Mutex<usize>, std::sync::Condvar)>,
    }

    impl Gate {
        fn started(&self) -> usize {
            self.started.load(std::sync::atomic::Ordering::SeqCst)
        }

        fn work(&self) -> impl FnOnce() + Send + 'static {
            let gate = self.clone();
            move || {
                gate.started
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let (waiting, wake) = &*gate.let_through;
                let mut waiting = waiting.lock().unwrap();
                while *waiting == 0 {
                    waiting = wake.wait(waiting).unwrap();
                }
                *waiting -= 1;
            }
        }

        fn let_through(&self, how_many: usize) {
            let (waiting, wake) = &*self.let_through;
            *waiting.lock().unwrap() += how_many;
            wake.notify_all();
        }

        async fn until_started(&self, how_many: usize) {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while self.started() < how_many {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{} of {how_many} started",
                    self.started()
                );
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }

    /// Lets every waiting hash through when dropped, so a failing test frees the slots.
    struct LetAllThrough(Gate);

    impl Drop for LetAllThrough {
        fn drop(&mut self) {
            self.0.let_through(usize::MAX / 2);
        }
    }

    #[tokio::test]
    async fn hashing_waits_for_a_free_slot_and_past_the_queue_is_turned_away_at_once() {
        let gate = Gate::default();
        let _on_exit = LetAllThrough(gate.clone());
        let hashes: Vec<_> = (0..MAX_CONCURRENT_HASHES + MAX_WAITING_HASHES)
            .map(|_| {
                let ticket = hashing_ticket().expect("room in the queue");
                tokio::spawn(hash_in_turn(ticket, gate.work()))
            })
            .collect();
        gate.until_started(MAX_CONCURRENT_HASHES).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(
            gate.started(),
            MAX_CONCURRENT_HASHES,
            "the ones beyond the slots wait"
        );
        assert!(
            matches!(hashing_ticket(), Err(AppError::Busy)),
            "past the queue: try again in a minute"
        );
        assert!(matches!(
            hash_password("any password at all".into()).await,
            Err(AppError::Busy)
        ));
        gate.let_through(1);
        gate.until_started(MAX_CONCURRENT_HASHES + 1).await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while hashing_ticket().is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the finished hash frees its place"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        gate.let_through(MAX_CONCURRENT_HASHES + MAX_WAITING_HASHES);
        for hash in hashes {
            hash.await.unwrap().unwrap();
        }
    }

    #[test]
    fn link_secrets_are_long_and_different() {
        let (a, b) = (new_link_secret(), new_link_secret());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
