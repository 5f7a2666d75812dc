"""$format: Scallop's string formatting."""
from __future__ import annotations

from nesy.builtins import NoValue, register
from nesy.types import format_value


@register("format", ["String", "?"], "String", variadic=True, optional=1)
def _format(fmt, *args):
    """Replace each `{}` in fmt by the next argument; fails on a count mismatch."""
    pieces = fmt.split("{}")
    if len(pieces) - 1 != len(args):
        raise NoValue
    out = [pieces[0]]
    for arg, piece in zip(args, pieces[1:]):
        out.append(format_value(arg))
        out.append(piece)
    return "".join(out)
