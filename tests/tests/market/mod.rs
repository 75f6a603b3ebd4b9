//! market suites.
mod adversary;
mod award;
mod award_best;
mod lifecycle;
mod matrix;
mod offers;
mod property;
