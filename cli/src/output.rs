//! Console output. Natively loaded programs print their `msg!` logs to the process's stdout;
//! [`Console::capture`] moves the real stdout aside first, so the program log can go to a file
//! (or nowhere) while the command's own output stays readable.
use std::{
    fs::File,
    io::Write,
    os::fd::{AsRawFd, FromRawFd},
    sync::{Mutex, OnceLock},
};

static CONSOLE: OnceLock<Mutex<File>> = OnceLock::new();

/// The terminal the command writes to.
pub struct Console;

impl Console {
    /// Keeps the real stdout for the command's output and sends fd 1 (where native program logs
    /// go) to `program_log`, or to /dev/null when `None`.
    pub fn capture(program_log: Option<&std::path::Path>) -> std::io::Result<()> {
        let sink = match program_log {
            Some(path) => File::create(path)?,
            None => File::options().write(true).open("/dev/null")?,
        };
        // SAFETY: dup/dup2 on valid descriptors; the duplicate is owned by the returned File.
        let console = unsafe {
            let fd = libc::dup(1);
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::dup2(sink.as_raw_fd(), 1) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            File::from_raw_fd(fd)
        };
        let _ = CONSOLE.set(Mutex::new(console));
        Ok(())
    }

    /// Writes one line to the console (or to stdout if nothing was captured).
    pub fn line(text: &str) {
        match CONSOLE.get() {
            Some(console) => {
                let mut file = console.lock().expect("console lock");
                let _ = writeln!(file, "{text}");
            }
            None => println!("{text}"),
        }
    }
}

/// `println!` to the console.
#[macro_export]
macro_rules! out {
    () => { $crate::output::Console::line("") };
    ($($arg:tt)*) => { $crate::output::Console::line(&format!($($arg)*)) };
}

/// Prints a section heading.
pub fn section(title: &str) {
    crate::out!("\n== {title} ==");
}

/// Prints rows as an aligned table; the first row is the header.
pub fn table(rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[c]))
            .collect();
        crate::out!("  {}", line.join("  ").trim_end());
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            crate::out!("  {}", rule.join("  "));
        }
    }
}
