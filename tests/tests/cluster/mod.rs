//! The embedded chain served as a local cluster (`agentrunner serve`): liveness under load,
//! JSON-RPC errors and PubSub, as real clients meet it.
mod conformance;
mod liveness;
mod logs;
mod pubsub;
mod rpc;
