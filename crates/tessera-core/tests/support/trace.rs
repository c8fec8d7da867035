//! A recording deserializer probe: asks a `Deserializer` for the top-level object and, for each
//! member name and value, one chosen `deserialize_*` method, and records every `visit_*` call
//! the deserializer makes (with values, and whether strings were borrowed). Two deserializers
//! that produce the same trace are indistinguishable to any `Deserialize` impl.
//!
//! Shared by `tests/json_flat.rs` and the `core_json` fuzz target.
#![allow(dead_code, clippy::unwrap_used)]

use std::fmt;

use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// One visitor call.
#[derive(Debug, Clone, PartialEq)]
pub enum Ev {
    Bool(bool),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    /// f64 by bits, so -0.0 and 0.0 differ.
    F64(u64),
    F32(u32),
    Char(char),
    Str {
        s: String,
        borrowed: bool,
    },
    Bytes {
        b: Vec<u8>,
        borrowed: bool,
    },
    None,
    Some,
    Unit,
    Newtype,
    SeqStart,
    MapStart,
    End,
    Enum,
    /// The method asked of this position, recorded before the visit.
    Ask(&'static str),
}

/// Every method the probe can ask for.
pub const METHODS: [&str; 28] = [
    "any",
    "bool",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "f32",
    "f64",
    "char",
    "str",
    "string",
    "bytes",
    "byte_buf",
    "option",
    "unit",
    "unit_struct",
    "newtype_struct",
    "seq",
    "tuple",
    "map",
    "struct",
    "enum",
];

/// Extra methods asked only in rotation: identifier, ignored_any, tuple_struct, raw value.
pub const EXTRA: [&str; 4] = ["identifier", "ignored_any", "tuple_struct", "raw_value"];

fn method(i: usize) -> &'static str {
    let all = METHODS.len() + EXTRA.len();
    let i = i % all;
    METHODS
        .get(i)
        .copied()
        .unwrap_or_else(|| EXTRA[i - METHODS.len()])
}

/// A visitor that accepts everything and records it.
struct Rec<'a> {
    out: &'a mut Vec<Ev>,
}

/// Deserializes the next value with `deserialize_any` (inside sequences, maps, options).
struct Any<'a> {
    out: &'a mut Vec<Ev>,
}

impl<'de> DeserializeSeed<'de> for Any<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Rec { out: self.out })
    }
}

/// Deserializes the next value with the method numbered `m`.
pub struct Ask<'a> {
    pub m: usize,
    pub out: &'a mut Vec<Ev>,
}

impl<'de> DeserializeSeed<'de> for Ask<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let name = method(self.m);
        self.out.push(Ev::Ask(name));
        let v = Rec { out: self.out };
        match name {
            "any" => d.deserialize_any(v),
            "bool" => d.deserialize_bool(v),
            "i8" => d.deserialize_i8(v),
            "i16" => d.deserialize_i16(v),
            "i32" => d.deserialize_i32(v),
            "i64" => d.deserialize_i64(v),
            "i128" => d.deserialize_i128(v),
            "u8" => d.deserialize_u8(v),
            "u16" => d.deserialize_u16(v),
            "u32" => d.deserialize_u32(v),
            "u64" => d.deserialize_u64(v),
            "u128" => d.deserialize_u128(v),
            "f32" => d.deserialize_f32(v),
            "f64" => d.deserialize_f64(v),
            "char" => d.deserialize_char(v),
            "str" => d.deserialize_str(v),
            "string" => d.deserialize_string(v),
            "bytes" => d.deserialize_bytes(v),
            "byte_buf" => d.deserialize_byte_buf(v),
            "option" => d.deserialize_option(v),
            "unit" => d.deserialize_unit(v),
            "unit_struct" => d.deserialize_unit_struct("U", v),
            "newtype_struct" => d.deserialize_newtype_struct("N", v),
            "raw_value" => d.deserialize_newtype_struct("$serde_json::private::RawValue", v),
            "seq" => d.deserialize_seq(v),
            "tuple" => d.deserialize_tuple(2, v),
            "tuple_struct" => d.deserialize_tuple_struct("T", 2, v),
            "map" => d.deserialize_map(v),
            "struct" => d.deserialize_struct("S", &["a", "b"], v),
            "enum" => d.deserialize_enum("E", &["A", "B"], v),
            "identifier" => d.deserialize_identifier(v),
            _ => d.deserialize_ignored_any(v),
        }
    }
}

impl<'de> Visitor<'de> for Rec<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("anything")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.out.push(Ev::Bool(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.out.push(Ev::I64(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.out.push(Ev::U64(v));
        Ok(())
    }
    fn visit_i128<E>(self, v: i128) -> Result<(), E> {
        self.out.push(Ev::I128(v));
        Ok(())
    }
    fn visit_u128<E>(self, v: u128) -> Result<(), E> {
        self.out.push(Ev::U128(v));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.out.push(Ev::F64(v.to_bits()));
        Ok(())
    }
    fn visit_f32<E>(self, v: f32) -> Result<(), E> {
        self.out.push(Ev::F32(v.to_bits()));
        Ok(())
    }
    fn visit_char<E>(self, v: char) -> Result<(), E> {
        self.out.push(Ev::Char(v));
        Ok(())
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.out.push(Ev::Str {
            s: v.to_owned(),
            borrowed: true,
        });
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.out.push(Ev::Str {
            s: v.to_owned(),
            borrowed: false,
        });
        Ok(())
    }
    fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<(), E> {
        self.out.push(Ev::Bytes {
            b: v.to_owned(),
            borrowed: true,
        });
        Ok(())
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<(), E> {
        self.out.push(Ev::Bytes {
            b: v.to_owned(),
            borrowed: false,
        });
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.out.push(Ev::None);
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.out.push(Ev::Some);
        d.deserialize_any(Rec { out: self.out })
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.push(Ev::Unit);
        Ok(())
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.out.push(Ev::Newtype);
        d.deserialize_any(Rec { out: self.out })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        self.out.push(Ev::SeqStart);
        while a.next_element_seed(Any { out: self.out })?.is_some() {}
        self.out.push(Ev::End);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        self.out.push(Ev::MapStart);
        while a.next_key_seed(Any { out: self.out })?.is_some() {
            a.next_value_seed(Any { out: self.out })?;
        }
        self.out.push(Ev::End);
        Ok(())
    }
    fn visit_enum<A: EnumAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        self.out.push(Ev::Enum);
        let ((), variant) = a.variant_seed(Any { out: self.out })?;
        variant.unit_variant()
    }
}

/// The top-level probe: a map whose names and values are asked with rotating methods starting
/// at `start` (names use `any`/`str`/`string`/`identifier` or, every fourth, the next method).
pub struct Probe<'a> {
    pub start: usize,
    pub out: &'a mut Vec<Ev>,
}

struct ProbeVisitor<'a> {
    start: usize,
    out: &'a mut Vec<Ev>,
}

impl<'de> DeserializeSeed<'de> for Probe<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(ProbeVisitor {
            start: self.start,
            out: self.out,
        })
    }
}

impl<'de> Visitor<'de> for ProbeVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        let mut i = self.start;
        loop {
            let key_method = if i % 4 == 3 { i } else { [0, 15, 16][i % 3] };
            if a.next_key_seed(Ask {
                m: key_method,
                out: self.out,
            })?
            .is_none()
            {
                break;
            }
            a.next_value_seed(Ask {
                m: i,
                out: self.out,
            })?;
            i += 1;
        }
        Ok(())
    }
}

/// Runs the probe with serde_json over `text`.
pub fn with_serde_json(text: &str, start: usize) -> Result<Vec<Ev>, serde_json::Error> {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    Probe {
        start,
        out: &mut out,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

/// Runs the probe with the flat fast path over `text`.
pub fn with_flat(text: &str, start: usize) -> Result<Vec<Ev>, serde_json::Error> {
    let mut out = Vec::new();
    let mut de = tessera_core::json::flat::FlatObject::new(text);
    Probe {
        start,
        out: &mut out,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

/// The fast path's contract on `text` for every rotation: whenever it succeeds, serde_json
/// succeeds with the same trace. Returns how many rotations the fast path completed.
pub fn check(text: &str) -> usize {
    let mut ok = 0;
    for start in 0..METHODS.len() + EXTRA.len() {
        if let Ok(fast) = with_flat(text, start) {
            let slow = with_serde_json(text, start).unwrap_or_else(|e| {
                panic!("fast path accepted what serde_json refuses ({e}): {text:?} start {start}")
            });
            assert_eq!(fast, slow, "traces differ for {text:?} start {start}");
            ok += 1;
        }
    }
    ok
}
