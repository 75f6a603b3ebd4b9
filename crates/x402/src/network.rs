//! Which CAIP-2 network a paywall names. A cluster is `solana:<first 32 base58 characters of its
//! genesis hash>`. The reference x402 SVM packages accept only mainnet, devnet and testnet ids
//! (and take a custom RPC URL), so a *local development* cluster may be labelled as devnet or
//! testnet, explicitly, to be payable by them. The label is refused on a public cluster whose
//! genesis is another one's, and mainnet is never a label: a wallet must never show a local
//! payment as real money.
use std::str::FromStr;

/// A public Solana cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicCluster {
    Mainnet,
    Devnet,
    Testnet,
}

impl PublicCluster {
    const ALL: [PublicCluster; 3] = [Self::Mainnet, Self::Devnet, Self::Testnet];

    /// The cluster's genesis hash (base58).
    pub fn genesis_hash(self) -> &'static str {
        match self {
            Self::Mainnet => "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d",
            Self::Devnet => "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG",
            Self::Testnet => "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY",
        }
    }

    /// Its CAIP-2 id.
    pub fn network_id(self) -> String {
        network_id(self.genesis_hash())
    }

    fn name(self) -> &'static str {
        match self {
            Self::Mainnet => "mainnet",
            Self::Devnet => "devnet",
            Self::Testnet => "testnet",
        }
    }
}

impl FromStr for PublicCluster {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == text)
            .ok_or_else(|| format!("{text:?} is not devnet or testnet"))
    }
}

/// CAIP-2 id of the Solana cluster with this genesis hash (base58).
pub fn network_id(genesis_hash: &str) -> String {
    format!("solana:{}", &genesis_hash[..genesis_hash.len().min(32)])
}

/// The network id a paywall on the cluster with `genesis_hash` names: its own, or `label`'s
/// when the cluster is a local one (not a public cluster) and the label is devnet or testnet.
pub fn labelled_network(
    genesis_hash: &str,
    label: Option<PublicCluster>,
) -> Result<String, String> {
    let Some(label) = label else {
        return Ok(network_id(genesis_hash));
    };
    if label == PublicCluster::Mainnet {
        return Err("a local cluster is never labelled mainnet (its tokens are not money)".into());
    }
    match PublicCluster::ALL
        .into_iter()
        .find(|c| c.genesis_hash() == genesis_hash)
    {
        Some(public) if public == label => Ok(label.network_id()),
        Some(public) => Err(format!(
            "this cluster is {} (genesis {genesis_hash}); it cannot be labelled {}",
            public.name(),
            label.name()
        )),
        None => Ok(label.network_id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_only_a_local_cluster_takes_a_label_and_never_mainnet() {
        let local = "4mwZvSMCfSgt5udEsXAayiA94BTWxHKe3MSkKT1ULTZg";
        assert_eq!(
            labelled_network(local, None).unwrap(),
            "solana:4mwZvSMCfSgt5udEsXAayiA94BTWxHKe"
        );
        assert_eq!(
            labelled_network(local, Some(PublicCluster::Devnet)).unwrap(),
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
        );
        assert_eq!(
            labelled_network(local, Some(PublicCluster::Mainnet)),
            Err("a local cluster is never labelled mainnet (its tokens are not money)".into())
        );
        let mainnet = PublicCluster::Mainnet.genesis_hash();
        assert_eq!(
            labelled_network(mainnet, Some(PublicCluster::Devnet)),
            Err(format!(
                "this cluster is mainnet (genesis {mainnet}); it cannot be labelled devnet"
            ))
        );
        let devnet = PublicCluster::Devnet.genesis_hash();
        assert_eq!(
            labelled_network(devnet, Some(PublicCluster::Devnet)).unwrap(),
            PublicCluster::Devnet.network_id()
        );
        assert_eq!("devnet".parse(), Ok(PublicCluster::Devnet));
        assert_eq!(
            "localnet".parse::<PublicCluster>(),
            Err("\"localnet\" is not devnet or testnet".into())
        );
    }
}
