"""Fixtures of the pipeline tests."""
from __future__ import annotations

import pytest

from nesy.datasets.digits import sum2

from .logic_reference import reference_logic


@pytest.fixture(scope="session")
def digit_images():
    from nesy.datasets.digits import DigitImages

    return DigitImages()


@pytest.fixture
def tiny_sum2(digit_images):
    """A builder of a sum2 pipeline on 48 pairs per epoch, its logic the torch reference."""
    from nesy.pipelines.digits import digits_pipeline

    return lambda: digits_pipeline(sum2(), samples=48, logic=reference_logic(sum2()), data=digit_images)
