"""The dataset registry: the package's datasets by name, and one added from outside."""
from __future__ import annotations

import numpy as np
import pytest

import nesy.datasets as datasets
from nesy.datasets import DatasetSpec
from nesy.datasets.digits import DigitImages
from nesy.errors import UsageError


def test_digits_is_found_in_the_package_and_loads_the_images():
    assert "digits" in datasets.names()
    data = datasets.load("digits")
    assert isinstance(data, DigitImages) and len(data.images) == 1797


def test_a_registered_dataset_loads_with_its_options_and_is_gone_after_unregister():
    spec = DatasetSpec("test-squares", "n integers and their squares", lambda n=3: np.arange(n) ** 2)
    datasets.register(spec)
    try:
        assert datasets.load("test-squares", n=4).tolist() == [0, 1, 4, 9]
        with pytest.raises(ValueError, match="already taken"):
            datasets.register(DatasetSpec("test-squares", "another", list))
    finally:
        datasets.unregister("test-squares")
    with pytest.raises(UsageError, match="unknown dataset 'test-squares'; choose one of: .*digits"):
        datasets.load("test-squares")
