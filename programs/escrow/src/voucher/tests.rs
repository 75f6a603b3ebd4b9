use super::*;

/// Builds precompile data with `n` signatures sharing one public key, messages `msg(i)`.
fn ed25519_data(pubkey: [u8; 32], messages: &[[u8; 32]], index_fields: u16) -> Vec<u8> {
    let n = messages.len();
    let header = ED25519_HEADER_LEN + n * ED25519_OFFSETS_LEN;
    let pubkey_at = header;
    let mut data = vec![n as u8, 0];
    let mut tail = pubkey.to_vec();
    let mut entries = Vec::new();
    for message in messages {
        let signature_at = header + tail.len();
        tail.extend_from_slice(&[7u8; 64]);
        let message_at = header + tail.len();
        tail.extend_from_slice(message);
        for value in [
            signature_at as u16,
            index_fields,
            pubkey_at as u16,
            index_fields,
            message_at as u16,
            32,
            index_fields,
        ] {
            entries.extend_from_slice(&value.to_le_bytes());
        }
    }
    data.extend(entries);
    data.extend(tail);
    data
}

fn code<T: std::fmt::Debug>(result: Result<T>) -> u32 {
    match result {
        Err(anchor_lang::error::Error::AnchorError(e)) => e.error_code_number,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn parses_each_signature_of_a_batch() {
    let messages = [[1u8; 32], [2u8; 32], [3u8; 32]];
    let data = ed25519_data([9; 32], &messages, u16::MAX);
    for (i, message) in messages.iter().enumerate() {
        let parsed = parse_ed25519_signature(&data, i as u8).unwrap();
        assert_eq!(parsed.pubkey, Pubkey::new_from_array([9; 32]));
        assert_eq!(parsed.message, message);
    }
    assert_eq!(
        code(parse_ed25519_signature(&data, 3)),
        u32::from(EscrowError::MalformedEd25519Instruction)
    );
}

#[test]
fn rejects_data_in_other_instructions() {
    let data = ed25519_data([9; 32], &[[1; 32]], 0);
    assert_eq!(
        code(parse_ed25519_signature(&data, 0)),
        u32::from(EscrowError::Ed25519DataNotInline)
    );
}

#[test]
fn rejects_out_of_bounds_offsets_and_truncation() {
    let mut data = ed25519_data([9; 32], &[[1; 32]], u16::MAX);
    let full = data.clone();
    data.truncate(data.len() - 1);
    assert_eq!(
        code(parse_ed25519_signature(&data, 0)),
        u32::from(EscrowError::MalformedEd25519Instruction)
    );
    assert_eq!(
        code(parse_ed25519_signature(&[], 0)),
        u32::from(EscrowError::MalformedEd25519Instruction)
    );
    assert_eq!(
        code(parse_ed25519_signature(&full[..5], 0)),
        u32::from(EscrowError::MalformedEd25519Instruction)
    );
    let mut huge = full;
    huge[ED25519_HEADER_LEN + 8..ED25519_HEADER_LEN + 10].copy_from_slice(&u16::MAX.to_le_bytes());
    assert_eq!(
        code(parse_ed25519_signature(&huge, 0)),
        u32::from(EscrowError::MalformedEd25519Instruction)
    );
}

#[test]
fn message_binds_every_field() {
    let k = |b: u8| Pubkey::new_from_array([b; 32]);
    let base = voucher_message(&k(1), &k(2), &k(3), 4, &k(5), 6, 7);
    let variants = [
        voucher_message(&k(9), &k(2), &k(3), 4, &k(5), 6, 7),
        voucher_message(&k(1), &k(9), &k(3), 4, &k(5), 6, 7),
        voucher_message(&k(1), &k(2), &k(9), 4, &k(5), 6, 7),
        voucher_message(&k(1), &k(2), &k(3), 9, &k(5), 6, 7),
        voucher_message(&k(1), &k(2), &k(3), 4, &k(9), 6, 7),
        voucher_message(&k(1), &k(2), &k(3), 4, &k(5), 9, 7),
        voucher_message(&k(1), &k(2), &k(3), 4, &k(5), 6, 9),
    ];
    for v in variants {
        assert_ne!(v, base);
    }
}
