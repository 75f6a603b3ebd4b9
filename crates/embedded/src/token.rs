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

/// A Token-2022 mint extension to initialize (the ones the escrow's mint policy must judge).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintExtension {
    TransferFee { bps: u16, maximum_fee: u64 },
    TransferHook,
    PermanentDelegate,
    DefaultFrozen,
    Pausable,
    NonTransferable,
    CloseAuthority,
    MetadataPointer,
    InterestBearing,
}

impl MintExtension {
    fn extension_type(self) -> spl_token_2022_interface::extension::ExtensionType {
        use spl_token_2022_interface::extension::ExtensionType as E;
        match self {
            MintExtension::TransferFee { .. } => E::TransferFeeConfig,
            MintExtension::TransferHook => E::TransferHook,
            MintExtension::PermanentDelegate => E::PermanentDelegate,
            MintExtension::DefaultFrozen => E::DefaultAccountState,
            MintExtension::Pausable => E::Pausable,
            MintExtension::NonTransferable => E::NonTransferable,
            MintExtension::CloseAuthority => E::MintCloseAuthority,
            MintExtension::MetadataPointer => E::MetadataPointer,
            MintExtension::InterestBearing => E::InterestBearingConfig,
        }
    }

    fn instruction(
        self,
        mint: &Pubkey,
        authority: &Pubkey,
    ) -> Result<
        anchor_lang::solana_program::instruction::Instruction,
        anchor_lang::prelude::ProgramError,
    > {
        use spl_token_2022_interface::{
            extension as ext, instruction as ix, state::AccountState, ID,
        };
        match self {
            MintExtension::TransferFee { bps, maximum_fee } => {
                ext::transfer_fee::instruction::initialize_transfer_fee_config(
                    &ID,
                    mint,
                    Some(authority),
                    Some(authority),
                    bps,
                    maximum_fee,
                )
            }
            MintExtension::TransferHook => ext::transfer_hook::instruction::initialize(
                &ID,
                mint,
                Some(*authority),
                Some(spl_token_interface::ID),
            ),
            MintExtension::PermanentDelegate => {
                ix::initialize_permanent_delegate(&ID, mint, authority)
            }
            MintExtension::DefaultFrozen => {
                ext::default_account_state::instruction::initialize_default_account_state(
                    &ID,
                    mint,
                    &AccountState::Frozen,
                )
            }
            MintExtension::Pausable => ext::pausable::instruction::initialize(&ID, mint, authority),
            MintExtension::NonTransferable => ix::initialize_non_transferable_mint(&ID, mint),
            MintExtension::CloseAuthority => {
                ix::initialize_mint_close_authority(&ID, mint, Some(authority))
            }
            MintExtension::MetadataPointer => ext::metadata_pointer::instruction::initialize(
                &ID,
                mint,
                Some(*authority),
                Some(*mint),
            ),
            MintExtension::InterestBearing => ext::interest_bearing_mint::instruction::initialize(
                &ID,
                mint,
                Some(*authority),
                500,
            ),
        }
    }
}

impl EmbeddedChain {
    /// Creates a Token-2022 mint with `extensions` (the chain payer is mint and extension
    /// authority).
    pub async fn create_mint_2022(
        &self,
        decimals: u8,
        extensions: &[MintExtension],
    ) -> Result<Pubkey, ChainError> {
        use spl_token_2022_interface::{extension::ExtensionType, state::Mint as Mint2022, ID};
        let mint = Keypair::new();
        let payer = self.payer_pubkey();
        let types: Vec<ExtensionType> = extensions.iter().map(|e| e.extension_type()).collect();
        let space = ExtensionType::try_calculate_account_len::<Mint2022>(&types)
            .map_err(|e| ChainError::Signing(e.to_string()))?;
        let mut ixs = vec![solana_system_interface::instruction::create_account(
            &payer,
            &mint.pubkey(),
            self.rent().minimum_balance(space),
            space as u64,
            &ID,
        )];
        for extension in extensions {
            ixs.push(
                extension
                    .instruction(&mint.pubkey(), &payer)
                    .map_err(|e| ChainError::Signing(e.to_string()))?,
            );
        }
        ixs.push(
            spl_token_2022_interface::instruction::initialize_mint2(
                &ID,
                &mint.pubkey(),
                &payer,
                Some(&payer),
                decimals,
            )
            .map_err(|e| ChainError::Signing(e.to_string()))?,
        );
        self.send(&ixs, &[&mint]).await?;
        Ok(mint.pubkey())
    }

    /// The associated token account of `owner` for `mint` under `token_program`, created if
    /// missing.
    pub async fn ata_with_program(
        &self,
        owner: &Pubkey,
        mint: &Pubkey,
        token_program: &Pubkey,
    ) -> Result<Pubkey, ChainError> {
        let ix = create_associated_token_account_idempotent(
            &self.payer_pubkey(),
            owner,
            mint,
            token_program,
        );
        self.send(&[ix], &[]).await?;
        Ok(get_associated_token_address_with_program_id(
            owner,
            mint,
            token_program,
        ))
    }

    /// Mints `amount` atoms of a mint of either token program (authority: the chain payer).
    pub async fn mint_to_with_program(
        &self,
        mint: &Pubkey,
        to: &Pubkey,
        amount: u64,
        token_program: &Pubkey,
    ) -> Result<(), ChainError> {
        let payer = self.payer_pubkey();
        let ix = spl_token_2022_interface::instruction::mint_to(
            token_program,
            mint,
            to,
            &payer,
            &[],
            amount,
        )
        .map_err(|e| ChainError::Signing(e.to_string()))?;
        self.send(&[ix], &[]).await.map(|_| ())
    }
}
