//! SPL Token helpers: mints, associated token accounts, minting, wrapped SOL, balances. Every
//! helper sends real instructions to the SBF SPL Token and ATA programs.
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_signer::Signer;
use spl_associated_token_account_interface::{
    address::get_associated_token_address_with_program_id,
    instruction::create_associated_token_account_idempotent,
};
use spl_token_interface::state::{Account as TokenAccount, Mint};

use crate::{chain::ChainError, EmbeddedChain};

impl EmbeddedChain {
    pub(crate) fn payer_pubkey(&self) -> Pubkey {
        self.payer().pubkey()
    }

    /// Creates an SPL Token mint with `decimals`; the chain payer is its mint authority.
    pub async fn create_mint(&self, decimals: u8) -> Result<Pubkey, ChainError> {
        let mint = Keypair::new();
        let payer = self.payer_pubkey();
        let ixs = [
            solana_system_interface::instruction::create_account(
                &payer,
                &mint.pubkey(),
                self.rent().minimum_balance(Mint::LEN),
                Mint::LEN as u64,
                &spl_token_interface::ID,
            ),
            spl_token_interface::instruction::initialize_mint2(
                &spl_token_interface::ID,
                &mint.pubkey(),
                &payer,
                None,
                decimals,
            )
            .map_err(|e| ChainError::Signing(e.to_string()))?,
        ];
        self.send(&ixs, &[&mint]).await?;
        Ok(mint.pubkey())
    }

    /// The associated token account of `owner` for `mint` (SPL Token), created if missing.
    pub async fn ata(&self, owner: &Pubkey, mint: &Pubkey) -> Result<Pubkey, ChainError> {
        let ix = create_associated_token_account_idempotent(
            &self.payer_pubkey(),
            owner,
            mint,
            &spl_token_interface::ID,
        );
        self.send(&[ix], &[]).await?;
        Ok(get_associated_token_address_with_program_id(
            owner,
            mint,
            &spl_token_interface::ID,
        ))
    }

    /// Mints `amount` atoms of `mint` (authority: the chain payer) to token account `to`.
    pub async fn mint_to(&self, mint: &Pubkey, to: &Pubkey, amount: u64) -> Result<(), ChainError> {
        let payer = self.payer_pubkey();
        let ix = spl_token_interface::instruction::mint_to(
            &spl_token_interface::ID,
            mint,
            to,
            &payer,
            &[],
            amount,
        )
        .map_err(|e| ChainError::Signing(e.to_string()))?;
        self.send(&[ix], &[]).await.map(|_| ())
    }

    /// Wraps `lamports` into `owner`'s wrapped-SOL associated account and returns it.
    pub async fn wrap_sol(&self, owner: &Pubkey, lamports: u64) -> Result<Pubkey, ChainError> {
        let native = spl_token_interface::native_mint::ID;
        let account = self.ata(owner, &native).await?;
        let ixs = [
            solana_system_interface::instruction::transfer(
                &self.payer_pubkey(),
                &account,
                lamports,
            ),
            spl_token_interface::instruction::sync_native(&spl_token_interface::ID, &account)
                .map_err(|e| ChainError::Signing(e.to_string()))?,
        ];
        self.send(&ixs, &[]).await?;
        Ok(account)
    }

    /// The SPL token account at `address`, unpacked.
    pub async fn token_account(&self, address: &Pubkey) -> Result<TokenAccount, ChainError> {
        let account = self
            .account(address)
            .await?
            .ok_or_else(|| ChainError::Banks(format!("token account {address} not found")))?;
        TokenAccount::unpack(&account.data[..TokenAccount::LEN.min(account.data.len())])
            .map_err(|e| ChainError::Banks(format!("unpack token account {address}: {e}")))
    }

    /// Token balance of `address` in atoms.
    pub async fn token_balance(&self, address: &Pubkey) -> Result<u64, ChainError> {
        Ok(self.token_account(address).await?.amount)
    }
}
