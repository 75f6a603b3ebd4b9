use anchor_lang::AccountSerialize;
use pyth_solana_receiver_sdk::price_update::PriceFeedMessage;

use super::*;
use crate::trigger::Trigger;

const FEED: [u8; 32] = [7; 32];
const NOW: i64 = 1_800_000_000;

fn guards() -> StepGuards {
    StepGuards {
        max_slippage_bps: 30,
        oracle_max_age_secs: 60,
        min_verification_signatures: 0,
        max_confidence_bps: 100,
        fee_cap_bps: 50,
        min_samples: 2,
        trigger: Trigger::Always,
    }
}

fn pyth(
    price: i64,
    conf: u64,
    publish_time: i64,
    level: VerificationLevel,
    feed: [u8; 32],
) -> Vec<u8> {
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_unique(),
        verification_level: level,
        price_message: PriceFeedMessage {
            feed_id: feed,
            price,
            conf,
            exponent: -8,
            publish_time,
            prev_publish_time: publish_time - 1,
            ema_price: price,
            ema_conf: conf,
        },
        posted_slot: 1,
    };
    let mut data = Vec::new();
    update.try_serialize(&mut data).unwrap();
    data
}

fn code(result: Result<Reading>) -> u32 {
    match result {
        Err(anchor_lang::error::Error::AnchorError(e)) => e.error_code_number,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn pyth_age_boundary_triplet() {
    // G-01: valid at age max-1 and max; stale at max+1.
    for (age, ok) in [(59, true), (60, true), (61, false)] {
        let data = pyth(
            15_000_000_000,
            1_000_000,
            NOW - age,
            VerificationLevel::Full,
            FEED,
        );
        let result = read_pyth(&data, &FEED, &guards(), NOW);
        if ok {
            assert_eq!(
                result.unwrap().price,
                UsdPrice {
                    mantissa: 15_000_000_000,
                    exponent: -8
                }
            );
        } else {
            assert_eq!(code(result), u32::from(RunnerError::OracleStale));
        }
    }
}

#[test]
fn pyth_rejections() {
    let ok = |d: &[u8]| read_pyth(d, &FEED, &guards(), NOW);
    // G-02 another asset's feed.
    assert_eq!(
        code(ok(&pyth(1, 0, NOW, VerificationLevel::Full, [8; 32]))),
        u32::from(RunnerError::OracleFeedMismatch)
    );
    // G-03 partial verification (Full required by default).
    let partial = pyth(
        15_000_000_000,
        0,
        NOW,
        VerificationLevel::Partial { num_signatures: 5 },
        FEED,
    );
    assert_eq!(
        code(ok(&partial)),
        u32::from(RunnerError::OracleInsufficientVerification)
    );
    let mut relaxed = guards();
    relaxed.min_verification_signatures = 5;
    assert!(read_pyth(&partial, &FEED, &relaxed, NOW).is_ok());
    relaxed.min_verification_signatures = 6;
    assert_eq!(
        code(read_pyth(&partial, &FEED, &relaxed, NOW)),
        u32::from(RunnerError::OracleInsufficientVerification)
    );
    // G-06 non-positive price; confidence at the cap and above.
    assert_eq!(
        code(ok(&pyth(0, 0, NOW, VerificationLevel::Full, FEED))),
        u32::from(RunnerError::OracleInvalidPrice)
    );
    assert_eq!(
        code(ok(&pyth(-5, 0, NOW, VerificationLevel::Full, FEED))),
        u32::from(RunnerError::OracleInvalidPrice)
    );
    assert!(ok(&pyth(10_000, 100, NOW, VerificationLevel::Full, FEED)).is_ok());
    assert_eq!(
        code(ok(&pyth(10_000, 101, NOW, VerificationLevel::Full, FEED))),
        u32::from(RunnerError::OracleConfidenceTooWide)
    );
    // Garbage and a policy without a Pyth feed.
    assert_eq!(
        code(ok(&[1, 2, 3])),
        u32::from(RunnerError::OracleMalformed)
    );
    let zero_feed = pyth(1, 0, NOW, VerificationLevel::Full, [0; 32]);
    assert_eq!(
        code(read_pyth(&zero_feed, &[0; 32], &guards(), NOW)),
        u32::from(RunnerError::OracleFeedMismatch)
    );
}

fn switchboard(samples: &[(u64, i128)]) -> Vec<u8> {
    let mut feed: PullFeedAccountData = bytemuck::Zeroable::zeroed();
    for (i, (slot, value)) in samples.iter().enumerate() {
        feed.submissions[i].slot = *slot;
        feed.submissions[i].value = *value;
    }
    feed.last_update_timestamp = NOW;
    let mut data = PullFeedAccountData::DISCRIMINATOR.to_vec();
    data.extend_from_slice(bytemuck::bytes_of(&feed));
    data
}

fn clock(slot: u64) -> Clock {
    Clock {
        slot,
        unix_timestamp: NOW,
        ..Clock::default()
    }
}

#[test]
fn switchboard_staleness_samples_and_spread() {
    let e18 = 10i128.pow(18);
    let feed = Pubkey::new_unique();
    // 60 s = 150 slots of 400 ms.
    let fresh = switchboard(&[(1_000, 150 * e18), (1_000, 151 * e18), (1_000, 150 * e18)]);
    let reading = read_switchboard(&fresh, feed, &guards(), &clock(1_150)).unwrap();
    assert_eq!(
        reading.price,
        UsdPrice {
            mantissa: (150 * e18) as u128,
            exponent: -18
        }
    );
    assert_eq!(
        (reading.raw_price, reading.raw_exponent),
        (15_000_000_000, -8)
    );
    // G-07 one slot past the max staleness.
    assert_eq!(
        code(read_switchboard(&fresh, feed, &guards(), &clock(1_151))),
        u32::from(RunnerError::OracleStale)
    );
    // G-07 too few samples.
    let one = switchboard(&[(1_000, 150 * e18)]);
    assert_eq!(
        code(read_switchboard(&one, feed, &guards(), &clock(1_000))),
        u32::from(RunnerError::OracleInsufficientSamples)
    );
    // Negative median.
    let negative = switchboard(&[(1_000, -e18), (1_000, -e18)]);
    assert_eq!(
        code(read_switchboard(&negative, feed, &guards(), &clock(1_000))),
        u32::from(RunnerError::OracleInvalidPrice)
    );
    // Spread above the confidence bound (1% allowed; 150 vs 152 is 1.33%).
    let wide = switchboard(&[(1_000, 150 * e18), (1_000, 152 * e18)]);
    assert_eq!(
        code(read_switchboard(&wide, feed, &guards(), &clock(1_000))),
        u32::from(RunnerError::OracleConfidenceTooWide)
    );
    assert_eq!(
        code(read_switchboard(&[0; 12], feed, &guards(), &clock(1))),
        u32::from(RunnerError::OracleMalformed)
    );
}
