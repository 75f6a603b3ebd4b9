//! What the pages show, as plain data (also served as JSON): built from the lifecycle's read
//! models in `agentrunner_client::flows` and the plan's receipts, rendered by the templates.
pub mod agents;
pub mod draft;
pub mod offers;
pub mod plan;
pub mod receipts;
pub mod steps;
pub mod tokens;
