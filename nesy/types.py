"""Value types of the nesy language (Scallop's names) and the ranges that make integers exact."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

INTEGER_RANGES = {
    "i8": (-(2**7), 2**7 - 1),
    "i16": (-(2**15), 2**15 - 1),
    "i32": (-(2**31), 2**31 - 1),
    "i64": (-(2**63), 2**63 - 1),
    "i128": (-(2**127), 2**127 - 1),
    "isize": (-(2**63), 2**63 - 1),
    "u8": (0, 2**8 - 1),
    "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1),
    "u128": (0, 2**128 - 1),
    "usize": (0, 2**64 - 1),
}
# Types whose values int64 cannot hold: stored as interned Python ints, so they stay exact.
WIDE_INTEGERS = {"i128", "u64", "u128", "usize"}
FLOAT_TYPES = ("f32", "f64")
OTHER_TYPES = ("bool", "char", "String", "DateTime", "Duration")
#: Scallop's time values (`nesy.timevalues`): stored interned, as Python objects.
TIME_TYPES = ("DateTime", "Duration")
PRIMITIVE_TYPES = tuple(INTEGER_RANGES) + FLOAT_TYPES + OTHER_TYPES


@dataclass(frozen=True)
class ValueType:
    """A column type: a primitive name, or an enum with its variant names."""

    name: str
    variants: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_enum(self) -> bool:
        return self.name not in PRIMITIVE_TYPES

    @property
    def is_integer(self) -> bool:
        return self.name in INTEGER_RANGES

    @property
    def is_float(self) -> bool:
        return self.name in FLOAT_TYPES

    @property
    def is_numeric(self) -> bool:
        return self.is_integer or self.is_float

    @property
    def is_string(self) -> bool:
        return self.name == "String"

    @property
    def is_wide(self) -> bool:
        return self.name in WIDE_INTEGERS

    @property
    def is_interned(self) -> bool:
        """Stored as an index into a value table rather than as the value itself."""
        return self.is_float or self.is_string or self.is_wide or self.name in TIME_TYPES

    def range(self) -> tuple[int, int]:
        return INTEGER_RANGES[self.name]

    def __str__(self) -> str:
        return self.name


PRIMITIVES = {name: ValueType(name) for name in PRIMITIVE_TYPES}
I32, I64, USIZE, F64, BOOL, CHAR, STRING = (
    PRIMITIVES[n] for n in ("i32", "i64", "usize", "f64", "bool", "char", "String")
)


def primitive(name: str) -> ValueType:
    return PRIMITIVES[name]


def format_value(value) -> str:
    """A value as text inside a message or a `$format` result: booleans in the language's
    spelling (`true`/`false`), everything else as `str` gives it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):  # a DateTime, in UTC, as Scallop prints it
        return value.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    return str(value)


def literal(value) -> str:
    """A value as it is written in nesy source: strings quoted and escaped, so the string
    "1" and the integer 1 never print alike."""
    if isinstance(value, str):
        escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                   .replace("\t", "\\t").replace("\r", "\\r"))
        return f'"{escaped}"'
    return format_value(value)
