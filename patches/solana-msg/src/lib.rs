//! `solana-msg` 3.1.0's API, unchanged on SBF, with one addition for programs built natively:
//! [`set_native_logger`]. Upstream, a native `sol_log` prints to stdout, so a program loaded
//! natively into a bank (the embedded chain) never writes `Program log:` lines into the
//! transaction's log the way the same program built for SBF does — and clients that read logs
//! (Anchor's `AnchorError.parse`, explorers) see nothing. The embedded chain registers a logger
//! that writes into the running transaction's log collector. Without a logger, behaviour is
//! upstream's: print to stdout.
#![no_std]
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "alloc")]
#[doc(hidden)]
pub use alloc::format;

/// Logs a message: a `&str` as is, anything else through `format!` (upstream's macro).
#[cfg(feature = "alloc")]
#[macro_export]
macro_rules! msg {
    ($msg:expr) => {
        $crate::sol_log($msg)
    };
    ($($arg:tt)*) => ($crate::sol_log(&$crate::format!($($arg)*)));
}

#[cfg(target_os = "solana")]
pub mod syscalls {
    //! Syscall definitions used by `solana_msg`.
    pub use solana_define_syscall::definitions::{
        sol_log_, sol_log_64_, sol_log_compute_units_, sol_log_data,
    };
}

/// Where a natively built program's log lines go (the embedded chain's choice).
#[cfg(all(not(target_os = "solana"), feature = "std"))]
static NATIVE_LOGGER: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

/// Sends every later native `sol_log` to `logger` instead of stdout. The first logger set
/// stays; returns whether this one was taken.
#[cfg(all(not(target_os = "solana"), feature = "std"))]
pub fn set_native_logger(logger: fn(&str)) -> bool {
    NATIVE_LOGGER.set(logger).is_ok()
}

/// Prints a string to the log.
#[inline]
pub fn sol_log(message: &str) {
    #[cfg(target_os = "solana")]
    unsafe {
        syscalls::sol_log_(message.as_ptr(), message.len() as u64);
    }

    #[cfg(all(not(target_os = "solana"), feature = "std"))]
    match NATIVE_LOGGER.get() {
        Some(logger) => logger(message),
        None => std::println!("{message}"),
    }

    #[cfg(all(not(target_os = "solana"), not(feature = "std")))]
    core::hint::black_box(message);
}
