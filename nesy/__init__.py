"""nesy: neuro-symbolic programming with provenance semirings.

The public names are imported when first used (PEP 562): `import nesy` and `nesy --version`
stay cheap, and numpy, the compiler or torch load only when a program is compiled, run or
used as a neural module."""
from .errors import (CompileError, DataError, Diagnostic, FileError, InternalError, NesyError,
                     UsageError)

__version__ = "0.1.0"
__all__ = ["CompileError", "DataError", "Diagnostic", "Disjunction", "FileError", "InternalError",
           "Mapping", "NesyError", "Program",
           "Result", "UsageError", "attribute", "compile", "example", "examples",
           "foreign_function", "foreign_predicate", "load", "__version__"]

#: Where each lazily imported public name lives.
_LAZY = {"Program": "program", "Result": "program", "compile": "program", "example": "program",
         "examples": "program", "load": "program", "Disjunction": "engine.inputs",
         "Mapping": "neural.module", "foreign_function": "foreign",
         "foreign_predicate": "foreign", "attribute": "foreign"}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # once imported, an ordinary attribute
        return value
    raise AttributeError(f"module 'nesy' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY])
