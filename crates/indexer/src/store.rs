//! The indexer's database: one schema and one code path for SQLite (the default, a file, no
//! server) and PostgreSQL (for scale), through sqlx's `Any` driver. Receipts are keyed by
//! `(tree, leaf_index)`, so re-processing a transaction inserts nothing twice; a tree's cursor
//! (the last transaction signature indexed) moves in the same database transaction as the
//! receipts it covers, so a crash at any point resumes exactly where the last commit ended.
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use receipts::{state::PeriodRoot, Receipt};
use solana_signature::Signature;
use sqlx::{any::AnyPoolOptions, AnyPool, Row};

use crate::IndexerError;

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn of(url: &str) -> Result<Self, IndexerError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(IndexerError::Database(format!(
                "{url:?} is neither sqlite:PATH nor postgres://..."
            )))
        }
    }

    fn bytes_type(self) -> &'static str {
        match self {
            Self::Sqlite => "BLOB",
            Self::Postgres => "BYTEA",
        }
    }
}

/// The schema; `{BYTES}` is the backend's byte-string type.
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS trees (
        tree TEXT PRIMARY KEY,
        shard BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        depth BIGINT NOT NULL,
        leaves BIGINT NOT NULL,
        root {BYTES} NOT NULL,
        cursor TEXT
    )",
    "CREATE TABLE IF NOT EXISTS receipts (
        tree TEXT NOT NULL,
        leaf_index BIGINT NOT NULL,
        leaf {BYTES} NOT NULL,
        plan TEXT NOT NULL,
        agent TEXT NOT NULL,
        payer TEXT NOT NULL,
        kind TEXT NOT NULL,
        signature TEXT NOT NULL,
        encoded {BYTES} NOT NULL,
        PRIMARY KEY (tree, leaf_index)
    )",
    "CREATE INDEX IF NOT EXISTS receipts_by_plan ON receipts (plan)",
    "CREATE INDEX IF NOT EXISTS receipts_by_agent ON receipts (agent)",
    "CREATE INDEX IF NOT EXISTS receipts_by_payer ON receipts (payer)",
    "CREATE INDEX IF NOT EXISTS receipts_by_leaf ON receipts (leaf)",
    "CREATE TABLE IF NOT EXISTS periods (
        address TEXT PRIMARY KEY,
        tree TEXT NOT NULL,
        shard BIGINT NOT NULL,
        period_index BIGINT NOT NULL,
        start_time BIGINT NOT NULL,
        end_time BIGINT NOT NULL,
        first_leaf BIGINT NOT NULL,
        leaf_count BIGINT NOT NULL,
        depth BIGINT NOT NULL,
        root {BYTES} NOT NULL,
        slot BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS periods_by_tree ON periods (tree, first_leaf)",
];

/// A tree as indexed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeRow {
    pub tree: Pubkey,
    pub shard: u16,
    pub generation: u32,
    pub depth: u32,
    /// Leaves indexed (the next leaf's index).
    pub leaves: u64,
    /// The root after `leaves` leaves.
    pub root: [u8; 32],
    /// The last transaction indexed; `None` before the first.
    pub cursor: Option<Signature>,
}

/// One indexed receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptRow {
    pub tree: Pubkey,
    pub index: u64,
    pub receipt: Receipt,
    /// The transaction that appended it.
    pub signature: Signature,
}

/// A PeriodRoot as indexed.
#[derive(Clone, Debug)]
pub struct PeriodRow {
    pub address: Pubkey,
    pub period: PeriodRoot,
}

/// Which receipts a listing wants; `None` matches everything.
#[derive(Clone, Debug, Default)]
pub struct ReceiptFilter {
    pub tree: Option<Pubkey>,
    pub plan: Option<Pubkey>,
    pub agent: Option<Pubkey>,
    pub payer: Option<Pubkey>,
    pub kind: Option<String>,
    /// Leaves `[start, end)` of `tree` (a period's receipts).
    pub leaves: Option<(u64, u64)>,
    /// Only receipts after this `(tree, index)` (keyset pagination).
    pub after: Option<(Pubkey, u64)>,
    pub limit: u32,
}

fn db(e: sqlx::Error) -> IndexerError {
    IndexerError::Database(e.to_string())
}

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn key(row: &sqlx::any::AnyRow, column: &str) -> Result<Pubkey, IndexerError> {
    let text: String = row.try_get(column).map_err(db)?;
    Pubkey::from_str(&text).map_err(|_| IndexerError::Database(format!("bad key {text:?}")))
}

fn hash(row: &sqlx::any::AnyRow, column: &str) -> Result<[u8; 32], IndexerError> {
    let bytes: Vec<u8> = row.try_get(column).map_err(db)?;
    bytes
        .try_into()
        .map_err(|_| IndexerError::Database(format!("{column} is not 32 bytes")))
}

fn unsigned(row: &sqlx::any::AnyRow, column: &str) -> Result<u64, IndexerError> {
    let value: i64 = row.try_get(column).map_err(db)?;
    u64::try_from(value).map_err(|_| IndexerError::Database(format!("{column} is negative")))
}

enum Param {
    Text(String),
    Int(i64),
}

/// A query's parameters in binding order; each push returns its placeholder.
#[derive(Default)]
struct Params(Vec<Param>);

impl Params {
    fn text(&mut self, value: String) -> String {
        self.0.push(Param::Text(value));
        format!("${}", self.0.len())
    }

    fn int(&mut self, value: u64) -> String {
        self.0.push(Param::Int(as_i64(value)));
        format!("${}", self.0.len())
    }
}

/// The database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    pub backend: Backend,
}

impl Store {
    /// Opens the database at `url` — creating the SQLite file, or the PostgreSQL database
    /// (through the server's `postgres` database), if it does not exist — and its schema.
    pub async fn open(url: &str) -> Result<Self, IndexerError> {
        let backend = Backend::of(url)?;
        sqlx::any::install_default_drivers();
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let connect = || AnyPoolOptions::new().max_connections(8).connect(&url);
        let pool = match connect().await {
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(MISSING_DATABASE) => {
                create_postgres_database(&url).await?;
                connect().await.map_err(db)?
            }
            result => result.map_err(db)?,
        };
        if backend == Backend::Sqlite {
            // Readers (the API) never wait for the writer (the follower).
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await
                .map_err(db)?;
        }
        for statement in SCHEMA {
            sqlx::query(&statement.replace("{BYTES}", backend.bytes_type()))
                .execute(&pool)
                .await
                .map_err(db)?;
        }
        Ok(Self { pool, backend })
    }

    /// Every tree indexed so far.
    pub async fn trees(&self) -> Result<Vec<TreeRow>, IndexerError> {
        let rows = sqlx::query("SELECT * FROM trees ORDER BY shard, generation")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let cursor: Option<String> = row.try_get("cursor").map_err(db)?;
                Ok(TreeRow {
                    tree: key(row, "tree")?,
                    shard: unsigned(row, "shard")? as u16,
                    generation: unsigned(row, "generation")? as u32,
                    depth: unsigned(row, "depth")? as u32,
                    leaves: unsigned(row, "leaves")?,
                    root: hash(row, "root")?,
                    cursor: cursor
                        .map(|s| {
                            Signature::from_str(&s)
                                .map_err(|_| IndexerError::Database(format!("bad cursor {s:?}")))
                        })
                        .transpose()?,
                })
            })
            .collect()
    }

    /// Registers a tree found on chain (no-op if known).
    pub async fn add_tree(&self, tree: &TreeRow) -> Result<(), IndexerError> {
        sqlx::query(
            "INSERT INTO trees (tree, shard, generation, depth, leaves, root, cursor)
             VALUES ($1, $2, $3, $4, $5, $6, NULL) ON CONFLICT (tree) DO NOTHING",
        )
        .bind(tree.tree.to_string())
        .bind(i64::from(tree.shard))
        .bind(i64::from(tree.generation))
        .bind(i64::from(tree.depth))
        .bind(as_i64(tree.leaves))
        .bind(tree.root.to_vec())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// Commits a batch of one tree atomically: its new receipts (already-indexed ones are left
    /// as they are), its leaf count and root after them, and the cursor.
    pub async fn commit(
        &self,
        tree: &Pubkey,
        receipts: &[ReceiptRow],
        leaves: u64,
        root: [u8; 32],
        cursor: &Signature,
    ) -> Result<(), IndexerError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        for row in receipts {
            let r = &row.receipt;
            sqlx::query(
                "INSERT INTO receipts
                   (tree, leaf_index, leaf, plan, agent, payer, kind, signature, encoded)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (tree, leaf_index) DO NOTHING",
            )
            .bind(row.tree.to_string())
            .bind(as_i64(row.index))
            .bind(r.leaf().to_vec())
            .bind(r.plan.to_string())
            .bind(r.agent.to_string())
            .bind(r.payer.to_string())
            .bind(agentrunner_client::receipts::json::kind_name(r.kind).to_string())
            .bind(row.signature.to_string())
            .bind(r.encode())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query("UPDATE trees SET leaves = $1, root = $2, cursor = $3 WHERE tree = $4")
            .bind(as_i64(leaves))
            .bind(root.to_vec())
            .bind(cursor.to_string())
            .bind(tree.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    /// The leaves of `tree` in index order (to rebuild its mirror).
    pub async fn leaves(&self, tree: &Pubkey) -> Result<Vec<[u8; 32]>, IndexerError> {
        let rows = sqlx::query("SELECT leaf FROM receipts WHERE tree = $1 ORDER BY leaf_index")
            .bind(tree.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(|row| hash(row, "leaf")).collect()
    }

    /// Receipts matching `filter`, in `(tree, index)` order, at most `filter.limit`.
    pub async fn receipts(&self, filter: &ReceiptFilter) -> Result<Vec<ReceiptRow>, IndexerError> {
        let mut params = Params::default();
        let mut clauses = Vec::new();
        let equal = [
            ("tree", filter.tree.map(|k| k.to_string())),
            ("plan", filter.plan.map(|k| k.to_string())),
            ("agent", filter.agent.map(|k| k.to_string())),
            ("payer", filter.payer.map(|k| k.to_string())),
            ("kind", filter.kind.clone()),
        ];
        for (column, value) in equal {
            if let Some(value) = value {
                clauses.push(format!("{column} = {}", params.text(value)));
            }
        }
        if let Some((start, end)) = filter.leaves {
            clauses.push(format!(
                "leaf_index >= {} AND leaf_index < {}",
                params.int(start),
                params.int(end)
            ));
        }
        if let Some((tree, index)) = &filter.after {
            clauses.push(format!(
                "(tree > {} OR (tree = {} AND leaf_index > {}))",
                params.text(tree.to_string()),
                params.text(tree.to_string()),
                params.int(*index)
            ));
        }
        let mut sql = String::from("SELECT * FROM receipts");
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(&format!(
            " ORDER BY tree, leaf_index LIMIT {}",
            filter.limit.max(1)
        ));
        let mut query = sqlx::query(&sql);
        for param in params.0 {
            query = match param {
                Param::Text(value) => query.bind(value),
                Param::Int(value) => query.bind(value),
            };
        }
        let rows = query.fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(receipt_row).collect()
    }

    /// The receipt at `index` of `tree`.
    pub async fn receipt(
        &self,
        tree: &Pubkey,
        index: u64,
    ) -> Result<Option<ReceiptRow>, IndexerError> {
        let row = sqlx::query("SELECT * FROM receipts WHERE tree = $1 AND leaf_index = $2")
            .bind(tree.to_string())
            .bind(as_i64(index))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(receipt_row).transpose()
    }

    /// The receipt whose leaf is `leaf`.
    pub async fn receipt_by_leaf(
        &self,
        leaf: &[u8; 32],
    ) -> Result<Option<ReceiptRow>, IndexerError> {
        let row = sqlx::query("SELECT * FROM receipts WHERE leaf = $1 LIMIT 1")
            .bind(leaf.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(receipt_row).transpose()
    }

    /// Records PeriodRoots (each is written once on chain, so an upsert never changes one).
    pub async fn put_periods(&self, periods: &[PeriodRow]) -> Result<(), IndexerError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        for PeriodRow { address, period: p } in periods {
            sqlx::query(
                "INSERT INTO periods (address, tree, shard, period_index, start_time, end_time,
                   first_leaf, leaf_count, depth, root, slot)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (address) DO NOTHING",
            )
            .bind(address.to_string())
            .bind(p.tree.to_string())
            .bind(i64::from(p.shard))
            .bind(as_i64(p.index))
            .bind(p.start)
            .bind(p.end)
            .bind(as_i64(p.first_leaf))
            .bind(as_i64(p.leaf_count))
            .bind(i64::from(p.max_depth))
            .bind(p.root.to_vec())
            .bind(as_i64(p.slot))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    /// The periods of `tree` (all trees if `None`), oldest first.
    pub async fn periods(&self, tree: Option<&Pubkey>) -> Result<Vec<PeriodRow>, IndexerError> {
        let rows = match tree {
            Some(tree) => {
                sqlx::query("SELECT * FROM periods WHERE tree = $1 ORDER BY period_index")
                    .bind(tree.to_string())
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query("SELECT * FROM periods ORDER BY tree, period_index")
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(db)?;
        rows.iter().map(period_row).collect()
    }

    /// The PeriodRoot of `tree` whose leaves include `index`, if anchored.
    pub async fn period_covering(
        &self,
        tree: &Pubkey,
        index: u64,
    ) -> Result<Option<PeriodRow>, IndexerError> {
        let row = sqlx::query(
            "SELECT * FROM periods WHERE tree = $1 AND first_leaf <= $2
               AND first_leaf + leaf_count > $2 LIMIT 1",
        )
        .bind(tree.to_string())
        .bind(as_i64(index))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(period_row).transpose()
    }

    /// Bytes the database occupies (SQLite: its pages; PostgreSQL: the three tables with
    /// their indexes).
    pub async fn size_bytes(&self) -> Result<u64, IndexerError> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()"
            }
            Backend::Postgres => {
                "SELECT (pg_total_relation_size('receipts') + pg_total_relation_size('trees')
                  + pg_total_relation_size('periods'))::BIGINT AS bytes"
            }
        };
        let row = sqlx::query(sql).fetch_one(&self.pool).await.map_err(db)?;
        unsigned(&row, "bytes")
    }
}

/// PostgreSQL's `invalid_catalog_name`: the database named does not exist.
const MISSING_DATABASE: &str = "3D000";

/// Creates the database `url` names, connected to its server's `postgres` database.
async fn create_postgres_database(url: &str) -> Result<(), IndexerError> {
    let (server, name) = url
        .rsplit_once('/')
        .ok_or_else(|| IndexerError::Database(format!("{url:?} names no database")))?;
    let name = name.split('?').next().unwrap_or(name);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(IndexerError::Database(format!(
            "database name {name:?}: use letters, digits and _"
        )));
    }
    let admin = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{server}/postgres"))
        .await
        .map_err(db)?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .map_err(db)?;
    Ok(())
}

fn receipt_row(row: &sqlx::any::AnyRow) -> Result<ReceiptRow, IndexerError> {
    use anchor_lang::AnchorDeserialize;
    let encoded: Vec<u8> = row.try_get("encoded").map_err(db)?;
    let signature: String = row.try_get("signature").map_err(db)?;
    Ok(ReceiptRow {
        tree: key(row, "tree")?,
        index: unsigned(row, "leaf_index")?,
        receipt: Receipt::deserialize(&mut encoded.as_slice())
            .map_err(|e| IndexerError::Database(format!("stored receipt: {e}")))?,
        signature: Signature::from_str(&signature)
            .map_err(|_| IndexerError::Database(format!("bad signature {signature:?}")))?,
    })
}

fn period_row(row: &sqlx::any::AnyRow) -> Result<PeriodRow, IndexerError> {
    Ok(PeriodRow {
        address: key(row, "address")?,
        period: PeriodRoot {
            tree: key(row, "tree")?,
            shard: unsigned(row, "shard")? as u16,
            index: unsigned(row, "period_index")?,
            start: row.try_get("start_time").map_err(db)?,
            end: row.try_get("end_time").map_err(db)?,
            root: hash(row, "root")?,
            first_leaf: unsigned(row, "first_leaf")?,
            leaf_count: unsigned(row, "leaf_count")?,
            max_depth: unsigned(row, "depth")? as u32,
            slot: unsigned(row, "slot")?,
            bump: 0,
        },
    })
}
