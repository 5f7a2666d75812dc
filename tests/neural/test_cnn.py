"""The digit CNN under the kernel choice of `convolution_kernels`: PyTorch's direct kernels
for small training steps must give what oneDNN (torch's default, the oracle) gives, values and
gradients, and the global setting must be restored afterwards."""
from __future__ import annotations

import pytest
import torch

from nesy.neural.cnn import DIRECT_CONVOLUTION_MAX_IMAGES, DigitCNN, convolution_kernels


def outputs_and_gradients(images: torch.Tensor):
    torch.manual_seed(0)
    model = DigitCNN().double()
    logits = model(images)
    grads = torch.autograd.grad(logits, [images, *model.parameters()], torch.ones_like(logits))
    return [logits, *grads]


@pytest.mark.parametrize("n", [1, DIRECT_CONVOLUTION_MAX_IMAGES, DIRECT_CONVOLUTION_MAX_IMAGES + 1])
def test_the_direct_kernels_give_the_default_kernels_results(n):
    images = torch.rand(n, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    expected = outputs_and_gradients(images)
    with convolution_kernels(n):
        direct = outputs_and_gradients(images)
    for a, b in zip(direct, expected):
        assert torch.allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("n,onednn", [(DIRECT_CONVOLUTION_MAX_IMAGES, False),
                                      (DIRECT_CONVOLUTION_MAX_IMAGES + 1, True)])
def test_small_steps_use_the_direct_kernels_and_the_setting_is_restored(n, onednn):
    before = torch.backends.mkldnn.enabled
    with convolution_kernels(n):
        assert torch.backends.mkldnn.enabled == (onednn and before)
    assert torch.backends.mkldnn.enabled == before
    with pytest.raises(KeyboardInterrupt), convolution_kernels(n):
        raise KeyboardInterrupt
    assert torch.backends.mkldnn.enabled == before


def test_digit_cnn_maps_images_to_ten_logits():
    assert DigitCNN()(torch.rand(5, 1, 8, 8)).shape == (5, 10)
