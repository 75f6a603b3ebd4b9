//! sim_venue: the constant-product pool the runner trades through in tests and demos.
mod pool;
