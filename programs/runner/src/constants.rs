//! Seeds, bounds and units.
use anchor_lang::prelude::*;

/// Seed of a [`crate::state::Plan`]: `["plan", owner, plan_id (u64 LE)]`.
#[constant]
pub const PLAN_SEED: &[u8] = b"plan";
/// Seed of an owner's delegate: `["delegate", owner]`. It is the SPL delegate of the owner's
/// associated token account of every mint an approved plan sells, for the sum of those plans'
/// remaining inputs; the runner signs with it only its own transfer of exactly one step's
/// `amount_in` into the owner's staging account, never an instruction a vendor chose.
#[constant]
pub const DELEGATE_SEED: &[u8] = b"delegate";
/// Seed of an owner's staging account of a mint: `["staging", owner, mint]`, an SPL token
/// account whose authority is itself. A step's input passes through it inside one execution:
/// the only authority the venue call carries covers exactly this account.
#[constant]
pub const STAGING_SEED: &[u8] = b"staging";
/// Seed of the runner authority `["authority"]`: the receipts writer and the registry's outcome
/// recorder.
#[constant]
pub const AUTHORITY_SEED: &[u8] = b"authority";

/// Most executions of one step: a plan's claim on receipt capacity is bounded.
#[constant]
pub const MAX_REPEAT: u16 = 1_000;
/// Steps repeating faster than this (seconds between executions) ...
#[constant]
pub const MIN_FAST_INTERVAL_SECS: u32 = 60;
/// ... repeat at most this many times, so no plan fills a receipt tree in a burst.
#[constant]
pub const MAX_FAST_REPEAT: u16 = 16;
/// Most steps in a plan.
#[constant]
pub const MAX_STEPS: u8 = 6;
/// Most mints in a plan's policy.
pub const MAX_MINTS: usize = 4;
/// Most venue programs in a plan's policy.
pub const MAX_VENUES: usize = 4;
/// Decimals of the USD amounts (caps, notionals): micro-dollars.
#[constant]
pub const USD_DECIMALS: u32 = 6;
/// Seconds in the daily-cap window.
#[constant]
pub const DAY_SECS: i64 = 86_400;
/// Slot length used to turn an oracle max age in seconds into slots (Switchboard staleness).
#[constant]
pub const MS_PER_SLOT: u64 = 400;
/// 100% in bps.
#[constant]
pub const BPS: u16 = 10_000;
