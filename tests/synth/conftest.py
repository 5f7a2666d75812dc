"""Shared fixtures: the reference benchmark data, when it is present."""
import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("NESY_SHARED_DATA",
                                  Path(__file__).resolve().parents[2] / ".." / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The folder of published benchmark data; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set NESY_SHARED_DATA)")
    return SHARED_DATA
