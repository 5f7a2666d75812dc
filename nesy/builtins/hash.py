"""`$hash(x, ...)`: a u64 hash of any values, the very number Scallop computes.

Scallop hashes the argument list with Rust's `DefaultHasher::new()`, which is SipHash-1-3
with zero keys, over the bytes Rust's `Hash` writes: the number of arguments (a usize), then
each value: integers and floats (their bits) little-endian in their type's width, a char as
its u32 code point, a bool as one byte, a string as its UTF-8 bytes and 0xff. An enum variant
without an explicit value hashes as its usize index (Scallop's enum constants)."""
from __future__ import annotations

import struct

from nesy.builtins import register

_MASK = (1 << 64) - 1
_WIDTH = {"i8": 1, "u8": 1, "i16": 2, "u16": 2, "i32": 4, "u32": 4, "i64": 8, "u64": 8,
          "isize": 8, "usize": 8, "i128": 16, "u128": 16}


def _bytes(type_name: str, value) -> bytes:
    if type_name in _WIDTH:
        return int(value).to_bytes(_WIDTH[type_name], "little", signed=type_name[0] == "i")
    if type_name == "f32":
        return struct.pack("<f", value)
    if type_name == "f64":
        return struct.pack("<d", value)
    if type_name == "char":
        return ord(value).to_bytes(4, "little")
    if type_name == "bool":
        return bytes([1 if value else 0])
    if isinstance(value, str):
        return value.encode() + b"\xff"
    return int(value).to_bytes(8, "little")  # an enum variant: its index, as usize


@register("hash", ["?"], "u64", variadic=True, typed=True)
def hash_values(types, *values):
    """Scallop's u64 hash of all arguments."""
    data = len(values).to_bytes(8, "little") + b"".join(map(_bytes, types, values))
    return siphash13(data)


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _MASK


def siphash13(data: bytes, k0: int = 0, k1: int = 0) -> int:
    """SipHash-1-3 (one compression round, three finalisation rounds), as Rust's hasher."""
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def sip_round():
        v[0] = (v[0] + v[1]) & _MASK
        v[1] = _rotl(v[1], 13) ^ v[0]
        v[0] = _rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & _MASK
        v[3] = _rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & _MASK
        v[3] = _rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & _MASK
        v[1] = _rotl(v[1], 17) ^ v[2]
        v[2] = _rotl(v[2], 32)

    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v[3] ^= m
        sip_round()
        v[0] ^= m
    last = ((len(data) & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v[3] ^= last
    sip_round()
    v[0] ^= last
    v[2] ^= 0xFF
    for _ in range(3):
        sip_round()
    return v[0] ^ v[1] ^ v[2] ^ v[3]
