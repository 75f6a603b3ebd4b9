//! One client per program: one async method per instruction, signing with the keypairs the
//! instruction needs. Builders come from `agentrunner_client::ix`; these only send.
pub mod escrow;
pub mod registry;

pub use escrow::EscrowClient;
pub use registry::RegistryClient;
