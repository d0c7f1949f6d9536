//! Reading the platforms' documented JSON answers into `#[derive(Deserialize)]` types.
//!
//! [`decode`] runs serde through [`serde_path_to_error`] and turns its error into the message
//! viewtally has always given, naming the JSON path that was not as documented, so a changed
//! API gives a precise error instead of a silent 0:
//! - `{path}.{key} is missing` (absent or `null`; also every required field of something that
//!   is not an object),
//! - `{path} should be a list, not a string` (and `a string`, `an object`),
//! - `{path} should be a non-negative whole number, not "12a"` (a [`Count`]).

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{DeserializeOwned, Error as _, IntoDeserializer, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

/// A count: a non-negative integer, as a JSON number or a string of digits (Google sends 64-bit
/// counts as strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub i64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        count(&v).map(Count).map_err(D::Error::custom)
    }
}

/// `v` as a count, or (without the path) why it is not one.
pub fn count(v: &Value) -> Result<i64, String> {
    let n = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<i64>().ok()
        }
        _ => None,
    };
    match n {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(format!(
            "should be a non-negative whole number, not {}",
            describe(v)
        )),
    }
}

/// What a JSON value is, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{}\"", s.chars().take(40).collect::<String>()),
        Value::Number(n) => n.to_string(),
        other => kind(other).to_string(),
    }
}

/// Decode the top of an answer; a field missing at the top is `answer.{key}`, any other path
/// is written from the top (`items[0].id`).
pub fn decode_answer<T: DeserializeOwned>(doc: &Value) -> Result<T, String> {
    decode_in(doc, "", "answer")
}

/// Decode `doc`, found at `path` in the answer (`answer[1].body`, `items[0]`).
pub fn decode<T: DeserializeOwned>(doc: &Value, path: &str) -> Result<T, String> {
    decode_in(doc, path, path)
}

fn decode_in<T: DeserializeOwned>(doc: &Value, path: &str, top: &str) -> Result<T, String> {
    let first = match serde_path_to_error::deserialize::<_, T>(Strict(doc)) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    // Something that should be an object is not: as before, each of its required fields is
    // missing. Put an empty object in its place and ask again to learn the first such field.
    let mut doc = doc.clone();
    let mut err = first;
    for _ in 0..16 {
        let inner = err.inner().to_string();
        let segments: Vec<Segment> = err.path().iter().cloned().collect();
        if !inner.contains("expected struct ") || !not_an_object(&doc, &segments) {
            return Err(message(&doc, err.path(), &inner, path, top));
        }
        if let Some(slot) = lookup_mut(&mut doc, &segments) {
            *slot = Value::Object(Default::default());
        }
        err = match serde_path_to_error::deserialize::<_, T>(Strict(&doc)) {
            Ok(t) => return Ok(t),
            Err(e) => e,
        };
    }
    Err(message(
        &doc,
        err.path(),
        &err.inner().to_string(),
        path,
        top,
    ))
}

/// The value at `segments` is not an object (and not `null` reached through a key, which is
/// simply missing).
fn not_an_object(doc: &Value, segments: &[Segment]) -> bool {
    match lookup(doc, segments) {
        Some(Value::Object(_)) => false,
        Some(Value::Null) | None => !matches!(segments.last(), Some(Segment::Map { .. })),
        Some(_) => true,
    }
}

fn message(doc: &Value, at: &Path, inner: &str, path: &str, top: &str) -> String {
    let segments: Vec<Segment> = at.iter().cloned().collect();
    let here = written(path, &segments);
    if let Some(key) = inner
        .strip_prefix("missing field `")
        .and_then(|k| k.strip_suffix('`'))
    {
        let parent = if here.is_empty() { top } else { &here };
        return format!("{parent}.{key} is missing");
    }
    let value = lookup(doc, &segments);
    if matches!(value, None | Some(Value::Null)) {
        return format!("{here} is missing");
    }
    let value = value.unwrap_or(&Value::Null);
    if inner.starts_with("should be ") {
        return format!("{here} {inner}");
    }
    let should = if inner.ends_with("expected a sequence") {
        "a list"
    } else if inner.ends_with("expected a string") || inner.ends_with("expected a borrowed string")
    {
        "a string"
    } else if inner.ends_with("expected a map") || inner.ends_with("expected an object") {
        "an object"
    } else {
        return format!("{here}: {inner}");
    };
    format!("{here} should be {should}, not {}", kind(value))
}

/// `items[0].statistics`: the path as viewtally writes it, after `path`.
fn written(path: &str, segments: &[Segment]) -> String {
    let mut out = path.to_string();
    for s in segments {
        match s {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

fn lookup<'v>(doc: &'v Value, segments: &[Segment]) -> Option<&'v Value> {
    segments.iter().try_fold(doc, |v, s| match s {
        Segment::Seq { index } => v.get(*index),
        Segment::Map { key } => v.get(key.as_str()),
        _ => None,
    })
}

fn lookup_mut<'v>(doc: &'v mut Value, segments: &[Segment]) -> Option<&'v mut Value> {
    segments.iter().try_fold(doc, |v, s| match s {
        Segment::Seq { index } => v.get_mut(*index),
        Segment::Map { key } => v.get_mut(key.as_str()),
        _ => None,
    })
}

/// A JSON value as serde input that, unlike `&Value`, does not fill a struct from a list
/// (serde's derive would take `[1, 2]` positionally): a struct must be an object.
#[derive(Clone, Copy)]
struct Strict<'v>(&'v Value);

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(a) => visitor.visit_seq(SeqDeserializer::new(a.iter().map(Strict))),
            Value::Object(m) => visitor.visit_map(MapDeserializer::new(
                m.iter().map(|(k, v)| (k.as_str(), Strict(v))),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(serde_json::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for Strict<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        data: Vec<Item>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        values: Vec<ValueOf>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct ValueOf {
        value: Count,
    }
    #[derive(Debug, Deserialize)]
    #[serde(expecting = "an object")]
    #[allow(dead_code)]
    struct Stats {
        #[serde(rename = "viewCount")]
        view_count: Option<Count>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Top {
        statistics: Stats,
        reactions: Option<BTreeMap<String, ValueOf>>,
    }

    fn err<T: DeserializeOwned + std::fmt::Debug>(v: Value, path: &str) -> String {
        decode::<T>(&v, path).unwrap_err()
    }

    #[test]
    fn counts_are_numbers_or_digit_strings() {
        assert_eq!(count(&json!("1234")), Ok(1234));
        assert_eq!(count(&json!(12)), Ok(12));
        assert_eq!(
            count(&json!("12a")).unwrap_err(),
            "should be a non-negative whole number, not \"12a\""
        );
        assert!(count(&json!(-1)).is_err());
        assert!(count(&json!(12.5)).is_err());
        assert!(count(&json!(null)).is_err());
    }

    #[test]
    fn paths_and_texts_are_viewtallys() {
        let p = "answer[1].body";
        assert_eq!(err::<Doc>(json!({}), p), "answer[1].body.data is missing");
        assert_eq!(
            err::<Doc>(json!({"data": null}), p),
            "answer[1].body.data is missing"
        );
        assert_eq!(
            err::<Doc>(json!({"data": "x"}), p),
            "answer[1].body.data should be a list, not a string"
        );
        assert_eq!(
            err::<Doc>(json!({"data": [{"values": []}]}), p),
            "answer[1].body.data[0].name is missing"
        );
        assert_eq!(
            err::<Doc>(json!({"data": [7]}), p),
            "answer[1].body.data[0].name is missing"
        );
        assert_eq!(
            err::<Doc>(json!({"data": [null]}), p),
            "answer[1].body.data[0].name is missing"
        );
        assert_eq!(
            err::<Doc>(json!({"data": [{"name": 3, "values": []}]}), p),
            "answer[1].body.data[0].name should be a string, not a number"
        );
        assert_eq!(
            err::<Doc>(
                json!({"data": [{"name": "v", "values": [{"value": "many"}]}]}),
                p
            ),
            "answer[1].body.data[0].values[0].value should be a non-negative whole number, not \"many\""
        );
        assert_eq!(
            err::<Doc>(json!({"data": [{"name": "v", "values": [{}]}]}), p),
            "answer[1].body.data[0].values[0].value is missing"
        );
        assert_eq!(
            decode_answer::<Doc>(&json!([1])).unwrap_err(),
            "answer.data is missing"
        );
        assert_eq!(
            decode_answer::<Doc>(&json!({"data": {}})).unwrap_err(),
            "data should be a list, not an object"
        );
        assert_eq!(
            err::<Top>(json!({"statistics": "x"}), "items[0]"),
            "items[0].statistics should be an object, not a string"
        );
        assert_eq!(
            err::<Top>(json!({"statistics": null}), "items[0]"),
            "items[0].statistics is missing"
        );
        assert_eq!(
            err::<Top>(json!({"statistics": {}, "reactions": [1]}), ""),
            "reactions should be an object, not a list"
        );
        assert_eq!(
            err::<Top>(
                json!({"statistics": {}, "reactions": {"LIKE": {"value": -1}}}),
                ""
            ),
            "reactions.LIKE.value should be a non-negative whole number, not -1"
        );
        let top: Top = decode(&json!({"statistics": {"viewCount": "5"}}), "x").unwrap();
        assert_eq!(top.statistics.view_count, Some(Count(5)));
    }
}
