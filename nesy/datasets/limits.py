"""Task size limits, importable without torch (the CLI builds its parser from them)."""
MAX_NUMBER_DIGITS = 4
MAX_SUM_TERMS = 15
