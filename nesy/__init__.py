"""nesy: neuro-symbolic programming with provenance semirings."""
from .errors import CompileError, DataError, Diagnostic, NesyError, UsageError
from .program import Disjunction, Program, Result, compile, load

__version__ = "0.1.0"
__all__ = ["CompileError", "DataError", "Diagnostic", "Disjunction", "NesyError", "Program",
           "Result", "UsageError", "compile", "load", "__version__"]
