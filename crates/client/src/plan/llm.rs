//! An optional LLM planner (off unless configured): an OpenAI-compatible chat-completions
//! endpoint turns the goal into the same intents the parser produces, constrained by a JSON
//! schema ([`intents_schema`]); the answer is then planned by exactly the rules parsed goals
//! meet ([`super::plan_intents`]: tokens, pools, caps, balances, vendors' asks). The model sees
//! the goal and the token symbols only — never a key, an address or a balance — and never
//! signs. The request, the model, its raw answer and the resulting plan hash are kept in an
//! [`LlmRecord`] beside the plan; [`replay`] re-plans a record without the model.
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    goal::{condition::Condition, is_decimal, percent_bps, to_atoms, Amount, Intent, SwapText},
    plan_intents, PlanContext, PlanError, PlanGraph,
};

/// Where the model is and how long it may think.
#[derive(Clone, Debug)]
pub struct LlmPlanner {
    /// The API base, e.g. `https://api.openai.com/v1` (`/chat/completions` is appended).
    pub url: String,
    pub model: String,
    /// The bearer token, read from the environment variable the user names; sent only in the
    /// `Authorization` header, never recorded.
    pub api_key: Option<String>,
    pub timeout: Duration,
}

/// What the planning asked and got: enough to replay it deterministically.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmRecord {
    pub url: String,
    pub model: String,
    /// The request body sent (messages, schema, temperature).
    pub request: Value,
    /// The model's message content, verbatim.
    pub raw_response: String,
    /// The resulting plan's hash, lowercase hex.
    pub plan_hash: String,
}

/// Why the LLM planner produced no plan.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the planner model at {0} cannot be reached: {1}")]
    Unreachable(String, String),
    #[error("the planner model did not answer within {0} s")]
    Timeout(u64),
    #[error("the planner model answered HTTP {0}: {1}")]
    Status(u16, String),
    #[error("the planner model's answer does not follow the intents schema: {0}")]
    Schema(String),
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// One intent as the model writes it: every field present (strict schemas), unused ones null.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentJson {
    /// `swap`, `dca`, `rebalance` or `fee_cap`.
    pub kind: String,
    pub sell: Option<String>,
    pub buy: Option<String>,
    /// Of `sell`: tokens (`"1.5"`), dollars (`"$50"`), a share of the balance (`"50%"`).
    pub amount: Option<String>,
    pub max_slippage_bps: Option<u16>,
    /// Executions (DCA).
    pub times: Option<u16>,
    pub every_secs: Option<u32>,
    /// The fee cap (`fee_cap`).
    pub bps: Option<u16>,
    pub weights_pct: Option<Vec<u16>>,
    pub symbols: Option<Vec<String>>,
    pub low_slippage: Option<bool>,
    pub when: Option<WhenJson>,
}

/// A condition as the model writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhenJson {
    /// `price_at_least`, `price_at_most` or `volatility_at_least`.
    pub condition: String,
    pub token: Option<String>,
    /// Dollars per whole token (price conditions), decimal text.
    pub usd: Option<String>,
    /// Distance from the EMA price (volatility), bps.
    pub bps: Option<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    intents: Vec<IntentJson>,
}

/// The JSON schema the model's answer must follow (OpenAI `response_format` strict mode).
pub fn intents_schema() -> Value {
    let nullable = |t: &str| json!({"type": [t, "null"]});
    let when = json!({
        "type": ["object", "null"],
        "additionalProperties": false,
        "required": ["condition", "token", "usd", "bps"],
        "properties": {
            "condition": {"type": "string", "enum": ["price_at_least", "price_at_most", "volatility_at_least"]},
            "token": nullable("string"), "usd": nullable("string"), "bps": nullable("integer"),
        }
    });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["intents"],
        "properties": {"intents": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["kind", "sell", "buy", "amount", "max_slippage_bps", "times", "every_secs",
                         "bps", "weights_pct", "symbols", "low_slippage", "when"],
            "properties": {
                "kind": {"type": "string", "enum": ["swap", "dca", "rebalance", "fee_cap"]},
                "sell": nullable("string"), "buy": nullable("string"), "amount": nullable("string"),
                "max_slippage_bps": nullable("integer"), "times": nullable("integer"),
                "every_secs": nullable("integer"), "bps": nullable("integer"),
                "weights_pct": {"type": ["array", "null"], "items": {"type": "integer"}},
                "symbols": {"type": ["array", "null"], "items": {"type": "string"}},
                "low_slippage": nullable("boolean"),
                "when": when,
            }
        }}}
    })
}

fn schema_error(index: usize, what: &str) -> LlmError {
    LlmError::Schema(format!("intent {index}: {what}"))
}

/// `"1.5"`, `"$50"`, `"50%"` as an amount.
fn amount(index: usize, text: &str) -> Result<Amount, LlmError> {
    if let Some(dollars) = text.strip_prefix('$') {
        return is_decimal(dollars)
            .then(|| Amount::Usd(dollars.into()))
            .ok_or_else(|| schema_error(index, &format!("amount {text:?}")));
    }
    if text.ends_with('%') {
        return percent_bps(text)
            .map(Amount::Share)
            .ok_or_else(|| schema_error(index, &format!("amount {text:?}")));
    }
    is_decimal(text)
        .then(|| Amount::Tokens(text.into()))
        .ok_or_else(|| schema_error(index, &format!("amount {text:?}")))
}

fn condition(index: usize, when: &WhenJson) -> Result<Condition, LlmError> {
    let symbol = when.token.as_ref().map(|t| t.to_uppercase());
    let level = || {
        let usd = when.usd.as_deref().unwrap_or("");
        to_atoms(usd, 6)
            .filter(|m| is_decimal(usd) && *m > 0)
            .ok_or_else(|| schema_error(index, &format!("price level {usd:?}")))
    };
    match when.condition.as_str() {
        "price_at_least" => Ok(Condition::PriceAtLeast {
            symbol,
            micro_usd: level()?,
        }),
        "price_at_most" => Ok(Condition::PriceAtMost {
            symbol,
            micro_usd: level()?,
        }),
        "volatility_at_least" => Ok(Condition::VolatilityAtLeast {
            symbol,
            bps: when
                .bps
                .filter(|b| *b > 0)
                .ok_or_else(|| schema_error(index, "a volatility threshold in bps"))?,
        }),
        other => Err(schema_error(index, &format!("condition {other:?}"))),
    }
}

/// The model's intents as the parser's.
pub fn intents(answer: &[IntentJson]) -> Result<Vec<Intent>, LlmError> {
    answer
        .iter()
        .enumerate()
        .map(|(i, intent)| {
            let swap = || -> Result<Option<SwapText>, LlmError> {
                match (&intent.sell, &intent.buy, &intent.amount) {
                    (Some(sell), Some(buy), Some(text)) => Ok(Some(SwapText {
                        amount: amount(i, text)?,
                        sell: sell.to_uppercase(),
                        buy: buy.to_uppercase(),
                    })),
                    (None, None, None) => Ok(None),
                    _ => Err(schema_error(
                        i,
                        "a swap names sell, buy and amount together",
                    )),
                }
            };
            let when = intent.when.as_ref().map(|w| condition(i, w)).transpose()?;
            match intent.kind.as_str() {
                "swap" => Ok(Intent::Swap {
                    swap: swap()?
                        .ok_or_else(|| schema_error(i, "a swap without sell, buy, amount"))?,
                    max_slippage_bps: intent.max_slippage_bps,
                    when,
                }),
                "dca" => Ok(Intent::Dca {
                    times: intent
                        .times
                        .filter(|t| *t > 0)
                        .ok_or_else(|| schema_error(i, "a DCA without times"))?,
                    every_secs: intent.every_secs,
                    swap: swap()?,
                    max_slippage_bps: intent.max_slippage_bps,
                    when,
                }),
                "rebalance" => Ok(Intent::Rebalance {
                    weights_pct: intent
                        .weights_pct
                        .clone()
                        .ok_or_else(|| schema_error(i, "a rebalance without weights"))?,
                    symbols: intent
                        .symbols
                        .as_ref()
                        .map(|s| s.iter().map(|x| x.to_uppercase()).collect()),
                    low_slippage: intent.low_slippage.unwrap_or(false),
                }),
                "fee_cap" => Ok(Intent::FeeCap {
                    bps: intent
                        .bps
                        .filter(|b| *b > 0)
                        .ok_or_else(|| schema_error(i, "a fee cap without bps above 0"))?,
                }),
                other => Err(schema_error(i, &format!("kind {other:?}"))),
            }
        })
        .collect()
}

/// Plans from a model's raw answer by the parser's rules.
fn plan_answer(goal: &str, raw: &str, ctx: &PlanContext) -> Result<PlanGraph, LlmError> {
    let answer: Answer = serde_json::from_str(raw).map_err(|e| LlmError::Schema(e.to_string()))?;
    Ok(plan_intents(goal, &intents(&answer.intents)?, ctx)?)
}

/// Re-plans `record` (for `goal`) without the model; the plan hash must be the recorded one.
pub fn replay(goal: &str, record: &LlmRecord, ctx: &PlanContext) -> Result<PlanGraph, LlmError> {
    let graph = plan_answer(goal, &record.raw_response, ctx)?;
    if hex::encode(graph.hash()) != record.plan_hash {
        return Err(LlmError::Schema(format!(
            "replayed plan hash {} is not the recorded {}",
            hex::encode(graph.hash()),
            record.plan_hash
        )));
    }
    Ok(graph)
}

impl LlmPlanner {
    /// The request body for `goal`: the instructions, the tokens it may name, the schema.
    pub fn request(&self, goal: &str, ctx: &PlanContext) -> Value {
        let symbols: Vec<&str> = ctx.book.tokens.iter().map(|t| t.symbol.as_str()).collect();
        json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": format!(
                    "Turn the user's DeFi goal into intents. Tokens: {}. Amounts are of the token \
                     sold: \"1.5\" tokens, \"$50\" dollars, \"50%\" of the balance. Caps in bps. \
                     Answer only with JSON following the schema; never invent tokens.",
                    symbols.join(", "))},
                {"role": "user", "content": goal},
            ],
            "response_format": {"type": "json_schema", "json_schema": {
                "name": "plan_intents", "strict": true, "schema": intents_schema()}},
        })
    }

    /// Plans `goal` through the model, then by the parser's rules.
    pub async fn plan(
        &self,
        goal: &str,
        ctx: &PlanContext,
    ) -> Result<(PlanGraph, LlmRecord), LlmError> {
        let request = self.request(goal, ctx);
        let url = format!("{}/chat/completions", self.url.trim_end_matches('/'));
        let client = reqwest::Client::builder()
            .timeout(self.timeout)
            .build()
            .map_err(|e| LlmError::Unreachable(url.clone(), e.to_string()))?;
        let mut call = client.post(&url).json(&request);
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key);
        }
        let response = call.send().await.map_err(|e| {
            if e.is_timeout() {
                LlmError::Timeout(self.timeout.as_secs())
            } else {
                LlmError::Unreachable(url.clone(), e.to_string())
            }
        })?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| {
            if e.is_timeout() {
                LlmError::Timeout(self.timeout.as_secs())
            } else {
                LlmError::Schema(format!("not a chat-completions response: {e}"))
            }
        })?;
        if !status.is_success() {
            return Err(LlmError::Status(status.as_u16(), body.to_string()));
        }
        let raw = body["choices"][0]["message"]["content"]
            .as_str()
            .ok_or_else(|| LlmError::Schema("no choices[0].message.content".into()))?
            .to_string();
        let graph = plan_answer(goal, &raw, ctx)?;
        let record = LlmRecord {
            url: self.url.clone(),
            model: self.model.clone(),
            request,
            raw_response: raw,
            plan_hash: hex::encode(graph.hash()),
        };
        Ok((graph, record))
    }
}

#[cfg(test)]
mod tests;
