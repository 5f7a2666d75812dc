"""String built-ins with Scallop's names and meaning. Positions are 0-based character indices;
an out-of-range position or a missing pattern means "no value"."""
from __future__ import annotations

from nesy.builtins import NoValue, register


@register("string_concat", ["String"], "String", variadic=True)
def _string_concat(*parts):
    """Concatenation of all arguments."""
    return "".join(parts)


@register("string_length", ["String"], "usize")
def _string_length(s):
    """Number of characters."""
    return len(s)


@register("substring", ["String", "usize", "usize"], "String", optional=1)
def _substring(s, begin, end=None):
    """Characters [begin, end) of s; fails when the range is outside s."""
    end = len(s) if end is None else end
    if not 0 <= begin <= end <= len(s):
        raise NoValue
    return s[begin:end]


@register("string_char_at", ["String", "usize"], "char")
def _string_char_at(s, i):
    """The character at index i; fails when i is out of range."""
    if not 0 <= i < len(s):
        raise NoValue
    return s[i]


@register("string_upper", ["String"], "String")
def _string_upper(s):
    return s.upper()


@register("string_lower", ["String"], "String")
def _string_lower(s):
    return s.lower()


@register("string_index_of", ["String", "String"], "usize")
def _string_index_of(s, pattern):
    """Index of the first occurrence of pattern; fails when absent."""
    i = s.find(pattern)
    if i < 0:
        raise NoValue
    return i


@register("string_trim", ["String"], "String")
def _string_trim(s):
    return s.strip()


@register("string_replace", ["String", "String", "String"], "String")
def _string_replace(s, pattern, replacement):
    """s with every occurrence of pattern replaced (Rust's str::replace, as Scallop)."""
    return s.replace(pattern, replacement)
