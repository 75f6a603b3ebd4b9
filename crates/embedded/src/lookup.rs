//! Address lookup tables: resolving a v0 message's keys and creating tables; and the fee the
//! bank charges a message.
use anchor_lang::prelude::Pubkey;
use solana_address_lookup_table_interface::state::AddressLookupTable;
use solana_message::{AddressLookupTableAccount, VersionedMessage};
use solana_signer::Signer;

use crate::{
    chain::{banks, LAMPORTS_PER_SIGNATURE, LOOKUP_TABLE_CHUNK},
    ChainError, EmbeddedChain,
};

impl EmbeddedChain {
    /// The account keys a message's instructions index into: static keys, then its lookup
    /// tables' writable and readonly addresses in lookup order (tables read from the bank).
    /// Also returns how many of the keys are writable lookup-table addresses.
    pub(crate) async fn message_keys(
        &self,
        message: &VersionedMessage,
    ) -> Result<(Vec<Pubkey>, usize), ChainError> {
        let mut keys = message.static_account_keys().to_vec();
        let mut loaded_writable = 0;
        if let VersionedMessage::V0(v0) = message {
            let mut tables = Vec::new();
            for lookup in &v0.address_table_lookups {
                let account = self
                    .account_ungated(&lookup.account_key)
                    .await?
                    .ok_or_else(|| {
                        ChainError::Signing(format!(
                            "lookup table {} not found",
                            lookup.account_key
                        ))
                    })?;
                let table = AddressLookupTable::deserialize(&account.data)
                    .map_err(|e| ChainError::Signing(format!("lookup table: {e}")))?;
                tables.push(table.addresses.to_vec());
            }
            for writable in [true, false] {
                for (lookup, addresses) in v0.address_table_lookups.iter().zip(&tables) {
                    let indexes = if writable {
                        &lookup.writable_indexes
                    } else {
                        &lookup.readonly_indexes
                    };
                    let found: Vec<Pubkey> = indexes
                        .iter()
                        .filter_map(|i| addresses.get(usize::from(*i)).copied())
                        .collect();
                    if writable {
                        loaded_writable += found.len();
                    }
                    keys.extend(found);
                }
            }
        }
        Ok((keys, loaded_writable))
    }

    /// The fee the bank charges for `message`: its own quote for legacy messages; for v0
    /// messages the same rule (lamports per signature times the transaction's signatures plus
    /// the signatures its precompile instructions verify). The caller holds the gate.
    pub(crate) async fn fee(&self, message: &VersionedMessage) -> Result<u64, ChainError> {
        match message {
            VersionedMessage::Legacy(legacy) => Ok(self
                .banks
                .get_fee_for_message(legacy.clone())
                .await
                .map_err(banks)?
                .unwrap_or_default()),
            VersionedMessage::V0(v0) => {
                let precompiles = [
                    solana_sdk_ids::ed25519_program::ID,
                    solana_sdk_ids::secp256k1_program::ID,
                ];
                let verified: u64 = v0
                    .instructions
                    .iter()
                    .filter(|ix| {
                        precompiles.contains(&v0.account_keys[usize::from(ix.program_id_index)])
                    })
                    .map(|ix| u64::from(ix.data.first().copied().unwrap_or(0)))
                    .sum();
                let signatures = u64::from(v0.header.num_required_signatures) + verified;
                Ok(signatures * LAMPORTS_PER_SIGNATURE)
            }
        }
    }

    /// Creates an address lookup table holding `addresses` (authority and payer: the chain
    /// payer), and waits the one slot it needs to become usable.
    pub async fn create_lookup_table(
        &self,
        addresses: &[Pubkey],
    ) -> Result<AddressLookupTableAccount, ChainError> {
        use solana_address_lookup_table_interface::instruction as alt;
        let payer = self.payer.pubkey();
        let slot_hashes = {
            let _shared = self.bank_gate.read().await;
            self.banks
                .get_sysvar::<solana_slot_hashes::SlotHashes>()
                .await
                .map_err(banks)?
        };
        let recent_slot = slot_hashes
            .first()
            .map(|(slot, _)| *slot)
            .unwrap_or_default();
        let (create, table) = alt::create_lookup_table(payer, payer, recent_slot);
        self.send(&[create], &[]).await?;
        for chunk in addresses.chunks(LOOKUP_TABLE_CHUNK) {
            self.send(
                &[alt::extend_lookup_table(
                    table,
                    payer,
                    Some(payer),
                    chunk.to_vec(),
                )],
                &[],
            )
            .await?;
        }
        self.warp_slots(1).await?;
        Ok(AddressLookupTableAccount {
            key: table,
            addresses: addresses.to_vec(),
        })
    }
}
