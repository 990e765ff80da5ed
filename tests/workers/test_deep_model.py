"""The tabular ResNet, device choice and the pieces of the trainer's checks, in isolation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from workers.deep.device import resolve_device, resolve_mixed_precision
from workers.deep.diagnostics import flag_gradients, roc_auc
from workers.deep.lr_range import LR_END, LR_START, choose_lr
from workers.deep.model import GLOROT_UNIFORM, HE_NORMAL, ResNetMLP
from workers.deep.overfit import select_rows
from workers.errors import InvalidOption

SHAPE = {"d_in": 7, "d_out": 3, "d_main": 16, "d_hidden": 32, "n_blocks": 2, "dropout": 0.1}


def test_forward_maps_rows_to_one_logit_per_class() -> None:
    model = ResNetMLP(**SHAPE)
    assert model(torch.randn(5, 7)).shape == (5, 3)


def test_constructor_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        ResNetMLP(7, 3, 16, 32, 2, 0.1)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("d_in", 0, "d_in must be a positive integer"),
        ("d_out", 2.5, "d_out must be a positive integer"),
        ("n_blocks", 0, "n_blocks must be a positive integer"),
        ("dropout", 1.0, "dropout must be a number in [0, 1)"),
        ("dropout", -0.1, "dropout must be a number in [0, 1)"),
    ],
)
def test_bad_shapes_fail_eagerly_with_the_offending_value(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ResNetMLP(**{**SHAPE, field: value})


def test_initialisation_matches_the_nonlinearity_and_is_reported() -> None:
    model = ResNetMLP(d_in=64, d_out=2, d_main=512, d_hidden=1024, n_blocks=1, dropout=0.0)
    assert model.initialisation == {
        "input": HE_NORMAL,
        "blocks.0.linear_first": HE_NORMAL,
        "blocks.0.linear_second": HE_NORMAL,
        "head.linear": GLOROT_UNIFORM,
    }
    assert "He (Kaiming)" in model.initialisation_summary and "Glorot" in model.initialisation_summary
    # He normal: std sqrt(2 / fan_in); Glorot uniform: bound sqrt(6 / (fan_in + fan_out)).
    first = model.blocks[0].linear_first.weight
    assert first.std().item() == pytest.approx(math.sqrt(2 / 512), rel=0.05)
    head = model.head.linear.weight
    assert head.abs().max().item() <= math.sqrt(6 / (512 + 2))
    assert all(not m.bias.detach().any() for m in model.modules() if isinstance(m, torch.nn.Linear))


def test_parameter_count_is_reported() -> None:
    model = ResNetMLP(**SHAPE)
    assert model.n_parameters == sum(p.numel() for p in model.parameters()) > 0


def test_auto_device_follows_what_torch_can_see() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_cuda_without_a_gpu_is_an_invalid_option() -> None:
    with pytest.raises(InvalidOption, match="cannot see a CUDA GPU"):
        resolve_device("cuda")


def test_unknown_device_is_an_invalid_option() -> None:
    with pytest.raises(InvalidOption, match="device must be one of"):
        resolve_device("tpu")


def test_mixed_precision_is_a_gpu_only_option() -> None:
    cpu = torch.device("cpu")
    assert resolve_mixed_precision("auto", cpu) is False
    assert resolve_mixed_precision(False, cpu) is False
    with pytest.raises(InvalidOption, match="needs a CUDA GPU"):
        resolve_mixed_precision(True, cpu)
    with pytest.raises(InvalidOption):
        resolve_mixed_precision("yes", cpu)


def test_chosen_lr_is_a_tenth_of_the_minimum_and_inside_the_sweep() -> None:
    lrs = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2]
    assert choose_lr(lrs, [1.0, 0.9, 0.5, 0.2, 3.0]) == pytest.approx(1e-4)
    # The loss only rose: one tenth of the first LR would leave the sweep, so it is clipped.
    assert choose_lr(lrs, [0.5, 0.6, 0.7, 0.8, 0.9]) == pytest.approx(1e-6)
    assert choose_lr([], []) == LR_START <= LR_END


def test_overfit_sample_has_every_class_and_avoids_identical_rows_with_different_labels() -> None:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 3, size=(300, 2)).astype(np.float32)  # only 9 distinct rows
    y = rng.integers(0, 3, size=300)
    rows, conflicting = select_rows(X, y, 32, rng)
    assert len(rows) == 32 and set(y[rows]) == {0, 1, 2} and conflicting == 0
    label_of: dict[bytes, int] = {}
    for row in rows:
        assert label_of.setdefault(X[row].tobytes(), int(y[row])) == y[row]


def test_overfit_sample_from_constant_features_reports_the_conflicts() -> None:
    rng = np.random.default_rng(0)
    X = np.zeros((100, 3), dtype=np.float32)
    y = np.arange(100) % 2
    rows, conflicting = select_rows(X, y, 32, rng)
    assert len(rows) == 32 and np.bincount(y[rows]).tolist() == [16, 16]
    assert conflicting == 16


@pytest.mark.parametrize(
    ("per_epoch", "vanishing", "exploding"),
    [
        ([[0.1, 0.2, 0.05]], [], []),
        ([[0.1, 1e-9, 0.2]], ["b"], []),
        ([[0.1, 1e-6, 0.2]], ["b"], []),  # 1e5 times below the median layer
        ([[0.1, 5e3, 0.2]], [], ["b"]),
        ([[0.1, 0.2, 0.3], [0.1, math.nan, 0.3]], [], ["b"]),
        ([], [], []),
    ],
)
def test_gradient_flags_follow_the_stated_rule(
    per_epoch: list[list[float]], vanishing: list[str], exploding: list[str]
) -> None:
    assert flag_gradients(["a", "b", "c"], per_epoch) == (vanishing, exploding)


def test_roc_auc_is_binary_or_macro_one_vs_rest_and_none_when_undefined() -> None:
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]])) == 1.0
    three = np.eye(3)[[0, 1, 2, 0]] * 0.9 + 0.1 / 3
    assert roc_auc(np.array([0, 1, 2, 0]), three) == 1.0
    assert roc_auc(np.array([1, 1, 1, 1]), np.full((4, 2), 0.5)) is None
    assert roc_auc(y, np.full((4, 2), np.nan)) is None
