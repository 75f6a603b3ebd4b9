//! receipts suites (M-01..M-08, H2).
mod adversary;
mod append;
mod matrix;
mod period;
mod tree;
mod verify;
