//! receipts suites (M-01..M-08).
mod append;
mod matrix;
mod period;
mod tree;
mod verify;
