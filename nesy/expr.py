"""Vectorised evaluation of IR expressions over a table of variable bindings.

An expression evaluates to (values, valid): natural numpy values per row and a mask of the
rows where it has a value at all. Integer arithmetic is exact: overflow of the result type,
division by zero and failing function calls clear `valid`, and the row yields no fact.
Integer `/` truncates toward zero and `%` takes the dividend's sign (Scallop, Rust).

This is the one evaluator of the language's expressions: the executor runs rules with it and
the front end folds constant expressions with it, so it sits between the IR and the engine and
reads function implementations from the leaf `nesy.builtins`. `values` is the executor's value
table (anything with `decode(type, codes)`); constants need none.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import builtins, ir
from .timevalues import time_op
from .types import TIME_TYPES, ValueType, format_value

Columns = dict  # variable name -> int64 code column


def evaluate(expr, columns: Columns, n: int, values) -> tuple[np.ndarray, np.ndarray]:
    """(values, valid) of `expr` on n rows. Operands are evaluated first, with an explicit
    stack rather than recursion, so an expression may nest as deep as a file can hold."""
    results: list = []
    todo: list = [(expr, False)]
    while todo:
        e, operands_done = todo.pop()
        operands = ir.children(e)
        if operands and not operands_done:
            todo.append((e, True))
            todo.extend((o, False) for o in reversed(operands))
            continue
        args = results[len(results) - len(operands):] if operands else []
        del results[len(results) - len(operands):]
        results.append(_EVAL[type(e)](e, args, columns, n, values))
    return results[0]


def evaluate_constant(expr):
    """The Python value of a variable-free expression, or None when it has no value."""
    out, valid = evaluate(expr, {}, 1, None)
    if not valid[0]:
        return None
    value = out[0]
    return value.item() if hasattr(value, "item") else value


def _const(e: ir.Const, args, columns, n, values):
    if e.type.is_wide:
        out = np.empty(n, dtype=object)
        out[:] = [int(e.value)] * n
    elif e.type.is_integer or e.type.is_enum:
        out = np.full(n, e.value, dtype=np.int64)
    elif e.type.is_float:
        out = np.full(n, e.value, dtype=np.float64)
        return out, in_range(e.type, out)
    elif e.type.name == "bool":
        out = np.full(n, bool(e.value), dtype=bool)
    else:
        out = np.empty(n, dtype=object)
        out[:] = [e.value] * n
    return out, np.ones(n, dtype=bool)


def _var(e: ir.VarRef, args, columns, n, values):
    return values.decode(e.type, columns[e.name]), np.ones(n, dtype=bool)


F32_MAX = float(np.finfo(np.float32).max)


def in_range(vtype: ValueType, x: np.ndarray) -> np.ndarray:
    """Rows whose value its type can hold: integers within their bounds, f32 within
    ±3.4e38 (an f64 result that only overflows as f32 has no value, as in integer types)."""
    if vtype.name == "f32":
        x = np.asarray(x, dtype=np.float64)
        return ~np.isfinite(x) | (np.abs(x) <= F32_MAX)
    if not vtype.is_integer:
        return np.ones(len(x), dtype=bool)
    low, high = vtype.range()
    if x.dtype == object:
        return np.array([low <= v <= high for v in x.tolist()], dtype=bool)
    return (x >= low) & (x <= high)


def _integer_op(op: str, a: np.ndarray, b: np.ndarray, vtype: ValueType):
    """Exact integer arithmetic: computed on Python ints where int64 could overflow."""
    valid = np.ones(len(a), dtype=bool)
    if op in ("/", "%"):
        valid &= b != 0
        b = np.where(valid, b, 1)
    exact = vtype.is_wide or a.dtype == object or b.dtype == object
    if not exact and len(a):
        big = max(abs(int(x)) for x in (a.min(), a.max(), b.min(), b.max()))
        exact = big >= 2**31
    if exact:  # Python ints: no silent int64 overflow
        a, b = a.astype(object), b.astype(object)
    if op == "+":
        out = a + b
    elif op == "-":
        out = a - b
    elif op == "*":
        out = a * b
    else:
        q = np.abs(a) // np.abs(b)
        q = np.where((a < 0) != (b < 0), -q, q)
        out = q if op == "/" else a - b * q
    valid &= in_range(vtype, out)
    if out.dtype == object and not vtype.is_wide:
        out = np.where(valid, out, 0).astype(np.int64)
    return out, valid


def _binop(e: ir.BinOp, args, columns, n, values):
    (a, va), (b, vb) = args
    valid = va & vb
    op = e.op
    if op in ("&&", "||"):
        out = (a & b) if op == "&&" else (a | b)
        return out.astype(bool), valid
    if op in _COMPARE:
        return np.asarray(_COMPARE[op](a, b), dtype=bool), valid
    if e.type.name in TIME_TYPES:  # DateTime and Duration arithmetic (nesy.timevalues)
        out = np.empty(len(a), dtype=object)
        out[:] = [time_op(op, x, y) for x, y in zip(a.tolist(), b.tolist())]
        return out, valid & np.array([v is not None for v in out], dtype=bool)
    if e.type.name == "String":  # `+` is the only operator typecheck allows on strings
        return np.add(a.astype(object), b.astype(object)), valid
    if e.type.is_integer:
        out, ok = _integer_op(op, a, b, e.type)
        return out, valid & ok
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if op in ("/", "%"):
            valid = valid & (b != 0)
        out = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
               "%": np.fmod}[op](a, b)
    if e.type.name == "f32":
        out = _as_f32(out)
    return out, valid & np.isfinite(out)


def _as_f32(x: np.ndarray) -> np.ndarray:
    """Rounded to f32 precision; values beyond its range become inf (no warning: the caller
    drops them)."""
    with np.errstate(over="ignore"):
        return x.astype(np.float32).astype(np.float64)


_COMPARE: dict[str, Callable] = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}


def _unop(e: ir.UnOp, args, columns, n, values):
    ((a, valid),) = args
    if e.op == "!":
        return ~a.astype(bool), valid
    if e.type.is_integer:
        out, ok = _integer_op("-", np.zeros_like(a), a, e.type)
        return out, valid & ok
    return -a, valid


def _cast(e: ir.CastOp, args, columns, n, values):
    source = e.operand.type
    ((a, valid),) = args
    target = e.type
    if target.is_string:
        text = [_to_text(source, v) for v in a.tolist()]
        out = np.empty(n, dtype=object)
        out[:] = text
        return out, valid
    if source.is_string:
        return _parse(target, a, valid)
    if source.name == "char":
        a = np.array([ord(c) for c in a.tolist()], dtype=np.int64)
    if target.name == "char":
        ok = valid & (a >= 0) & (a <= 0x10FFFF)
        out = np.empty(n, dtype=object)
        out[:] = [chr(int(c)) if k else "?" for c, k in zip(a.tolist(), ok.tolist())]
        return out, ok
    if target.name == "bool":
        return a != 0, valid
    if target.is_float:
        out = a.astype(np.float64)
        valid = valid & in_range(target, out)
        return (_as_f32(out) if target.name == "f32" else out), valid
    # integer targets (and enums, by variant index): computed on Python ints, then range-checked
    if source.is_float:
        finite = np.isfinite(a)
        valid = valid & finite
        a = np.where(finite, np.trunc(a), 0)
    exact = np.array([int(x) for x in a.tolist()], dtype=object)
    valid = valid & in_range(target, exact)
    if target.is_wide:
        return np.where(valid, exact, 0), valid
    return np.where(valid, exact, 0).astype(np.int64), valid


def _to_text(vtype: ValueType, v) -> str:
    if vtype.is_enum:
        return vtype.variants[v]
    return format_value(v)


def _parse(target: ValueType, a: np.ndarray, valid: np.ndarray):
    out = np.zeros(len(a), dtype=np.float64 if target.is_float else np.int64)
    if target.name == "bool":
        out = np.zeros(len(a), dtype=bool)
    if target.name == "char":
        out = np.empty(len(a), dtype=object)
    ok = valid.copy()
    for i, text in enumerate(a.tolist()):
        try:
            if target.is_float:
                out[i] = float(text)
            elif target.name == "bool":
                out[i] = {"true": True, "false": False}[text.strip()]
            elif target.name == "char":
                if len(text) != 1:
                    raise ValueError
                out[i] = text
            else:
                value = int(text.strip())
                low, high = target.range()
                if not low <= value <= high:
                    raise ValueError
                out[i] = value
        except (ValueError, KeyError, OverflowError):
            ok[i] = False
    return out, (ok & in_range(target, out) if target.is_float else ok)


def _call(e: ir.CallOp, args, columns, n, values):
    valid = np.ones(n, dtype=bool)
    for _, v in args:
        valid &= v
    out, ok = builtins.BUILTINS.apply(e.function, [a for a, _ in args],
                                      [a.type.name for a in e.args])
    valid &= ok
    if e.type.is_integer:  # range-checked before narrowing, so nothing wraps around
        if out.dtype == object:
            out = np.where(valid, out, 0)
        valid &= in_range(e.type, out)
    return _natural(e.type, out, valid), valid


def _natural(vtype: ValueType, out: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Bring a function's object results into the natural dtype of its type."""
    if out.dtype != object or vtype.is_string or vtype.name == "char":
        return out
    fill = {"bool": False}.get(vtype.name, 0)
    clean = np.where(valid, out, fill)
    if vtype.is_wide:
        return clean
    if vtype.is_float:
        return clean.astype(np.float64)
    if vtype.name == "bool":
        return clean.astype(bool)
    return clean.astype(np.int64)


def _if(e: ir.IfOp, args, columns, n, values):
    (c, vc), (a, va), (b, vb) = args
    c = c.astype(bool)
    return np.where(c, a, b), vc & np.where(c, va, vb)


_EVAL = {ir.Const: _const, ir.VarRef: _var, ir.BinOp: _binop, ir.UnOp: _unop,
         ir.CastOp: _cast, ir.CallOp: _call, ir.IfOp: _if}
