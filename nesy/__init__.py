"""nesy: neuro-symbolic programming with provenance semirings."""
from .errors import (CompileError, DataError, Diagnostic, FileError, InternalError, NesyError,
                     UsageError)
from .engine.inputs import Disjunction
from .program import Program, Result, compile, example, examples, load

__version__ = "0.1.0"
__all__ = ["CompileError", "DataError", "Diagnostic", "Disjunction", "FileError", "InternalError",
           "Mapping", "NesyError", "Program",
           "Result", "UsageError", "compile", "example", "examples", "load", "__version__"]


def __getattr__(name):
    # torch is imported only when a program is used as a neural module
    if name == "Mapping":
        from .neural.module import Mapping

        return Mapping
    raise AttributeError(f"module 'nesy' has no attribute {name!r}")
