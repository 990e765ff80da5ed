"""The image models (issue 13 items 3, 4 and 5's grids): the baselines' small image features, the CNN from
scratch with the talks' practices in its diagnostics, EfficientNet-Lite0 transfer learning that reads its
packaged weights offline, and the families' checks that keep image and table models apart."""

from __future__ import annotations

import json
import socket
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from tests.workers.image_digits import digit_frames, digits_dataset
from workers.baselines import FittedModel
from workers.data.images.image_set import Geometry
from workers.errors import InvalidOption
from workers.experiments.fitting import fit_family
from workers.experiments.grid import complexity_ranks, default_grid, expand_grid
from workers.experiments.run import run_experiment
from workers.families import (
    CNN,
    DEEP,
    DEEP_FAMILIES,
    FAMILY_LABELS,
    IMAGE_DEEP_FAMILIES,
    TABM,
    TRANSFER,
    check_family_fits,
    deep_families_for,
    default_hyperparameters,
    resolve_image_hyperparameters,
)
from workers.features import make_preprocessor
from workers.images.pixel_features import n_features

# No short time budgets in the model tests: on a loaded machine a budget would end training at another epoch
# (the CPU profile's 60 s is far above what these take).
TINY_CNN = {"width": 8, "batch_size": 32, "max_epochs": 8, "patience": 8}
TINY_TRANSFER = {
    "input_size": 64,
    "batch_size": 64,
    "max_epochs": 20,
    "fine_tune_epochs": 1,
    "time_budget_s": 300.0,
}


@pytest.fixture(scope="module")
def digits() -> tuple[Any, np.ndarray, Any, np.ndarray]:
    return digit_frames(360)


@pytest.fixture(scope="module")
def cnn(digits: tuple[Any, np.ndarray, Any, np.ndarray]) -> FittedModel:
    frame, y, val_frame, y_val = digits
    return fit_family(CNN, frame, y, val_frame, y_val, TINY_CNN, random_state=0, device="cpu")


def test_the_families_choose_by_modality_and_refuse_the_wrong_kind() -> None:
    assert deep_families_for("table") == DEEP_FAMILIES == (DEEP, TABM)
    assert deep_families_for("images") == IMAGE_DEEP_FAMILIES == (CNN, TRANSFER)
    assert FAMILY_LABELS[CNN] == "CNN (from scratch)"
    assert FAMILY_LABELS[TRANSFER] == "EfficientNet-Lite0 (transfer)"
    with pytest.raises(InvalidOption, match=r"does not train on an image dataset.*cnn, transfer"):
        check_family_fits(TABM, "images")
    with pytest.raises(InvalidOption, match=r"does not train on a table dataset.*deep, tabm"):
        check_family_fits(CNN, "table")
    assert check_family_fits(CNN, "images") == CNN
    # None takes the device's profile: a time budget and a smaller input on the CPU, neither on the GPU.
    assert resolve_image_hyperparameters(TRANSFER, {}, "cpu")["input_size"] == 96
    assert resolve_image_hyperparameters(TRANSFER, {}, "cuda")["time_budget_s"] is None


def test_an_experiment_of_the_wrong_kind_is_a_4xx_naming_the_families_that_fit(
    digits: tuple[Any, np.ndarray, Any, np.ndarray],
) -> None:
    frame, y, val_frame, y_val = digits
    with pytest.raises(InvalidOption, match=r"the families that fit are: .*cnn, transfer") as refused:
        run_experiment((frame, y, val_frame, y_val), DEEP, seed=0)
    assert refused.value.http_status // 100 == 4
    table = frame.iloc[:, :5].rename(columns=lambda c: f"x{c}")
    with pytest.raises(InvalidOption, match="does not train on a table dataset"):
        run_experiment(
            (table, y, val_frame.iloc[:, :5].rename(columns=lambda c: f"x{c}"), y_val), CNN, seed=0
        )


def test_the_image_grids_expand_with_the_defaults_as_a_point() -> None:
    for family in IMAGE_DEEP_FAMILIES:
        points = expand_grid(family, default_grid(family))
        assert default_hyperparameters(family) in points
        assert len(complexity_ranks(family, points)) == len(points)
    with pytest.raises(InvalidOption, match="cnn has no hyperparameter 'widht'"):
        expand_grid(CNN, {"widht": [8]})
    with pytest.raises(InvalidOption, match="input_size must be"):
        expand_grid(TRANSFER, {"input_size": [8]})


def test_the_baselines_see_a_few_hundred_image_features_not_every_pixel() -> None:
    frame, y, val_frame, y_val = digit_frames(150, colour=True)
    assert frame.shape[1] == 3 * 32 * 32
    for recipe in ("linear", "tree"):
        features = make_preprocessor(frame, recipe).fit(frame, y).transform(val_frame)
        assert features.shape == (len(val_frame), n_features(Geometry(3, 32)))
        assert features.shape[1] <= 16 * 16 * 3
    model = fit_family("logistic_regression", frame, y, val_frame, y_val, random_state=0)
    assert roc_auc_score(y_val, model.predict_proba(val_frame)[:, 1]) > 0.9


def test_the_cnn_learns_with_he_init_the_overfit_check_gradient_norms_and_curves(
    cnn: FittedModel, digits: tuple[Any, np.ndarray, Any, np.ndarray]
) -> None:
    _, _, val_frame, y_val = digits
    diagnostics = cnn.diagnostics
    assert cnn.name == "CNN (from scratch)"
    assert diagnostics["overfit_check"]["passed"] is True
    assert diagnostics["lr_range_test"]["lrs"]  # the LR range test picked the rate
    assert "He (Kaiming)" in diagnostics["initialisation"]
    assert "skip connections" in diagnostics["architecture"]
    layers = diagnostics["gradient_norms"]["layers"]
    assert "stem.0" in layers and "head" in layers and any("conv_second" in name for name in layers)
    assert all(len(row) == len(layers) for row in diagnostics["gradient_norms"]["per_epoch"])
    epochs = diagnostics["epochs"]
    assert epochs and all(e["train_loss"] is not None and e["val_loss"] is not None for e in epochs)
    proba = cnn.predict_proba(val_frame)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (
        roc_auc_score(y_val, proba[:, 1]) > 0.75
    )  # 240 images, 8 short epochs (0.83 measured): above chance


def test_the_cnn_convolutions_start_at_he_init_std() -> None:
    from workers.deep.cnn_model import SmallResNet

    torch.manual_seed(0)
    net = SmallResNet(channels=3, size=32, d_out=2, width=16)
    for name, module in net.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            fan_in = module.in_channels * module.kernel_size[0] * module.kernel_size[1]
            expected = (2.0 / fan_in) ** 0.5  # He: variance 2 / fan_in for a ReLU network
            assert module.weight.std().item() == pytest.approx(expected, rel=0.25), name


def test_augmentation_is_batched_and_only_in_training() -> None:
    from workers.deep.cnn_model import SmallResNet, augment

    images = torch.arange(2 * 16 * 16, dtype=torch.float32).reshape(2, 1, 16, 16)
    torch.manual_seed(1)
    moved = augment(images, 2)
    assert moved.shape == images.shape and not torch.equal(moved, images)
    net = SmallResNet(channels=1, size=16, d_out=2, width=4, augment=2).eval()
    flat = images.reshape(2, -1)
    assert torch.equal(net(flat), net(flat))  # eval mode: no randomness


def test_transfer_loads_packaged_weights_offline_and_keeps_the_better_phase(
    monkeypatch: pytest.MonkeyPatch, digits: tuple[Any, np.ndarray, Any, np.ndarray]
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the transfer model tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    frame, y, val_frame, y_val = digits
    model = fit_family(TRANSFER, frame, y, val_frame, y_val, TINY_TRANSFER, random_state=0, device="cpu")
    diagnostics = model.diagnostics
    assert "ImageNet-pretrained" in diagnostics["initialisation"]
    assert "Apache-2.0" in diagnostics["backbone"]
    phases = diagnostics["phases"]
    assert phases["frozen"]["epochs"] and phases["fine_tune"]["epochs"]
    assert {e["phase"] for e in diagnostics["epochs"]} == {"frozen", "fine_tune"}
    kept = diagnostics["kept_phase"]
    other = "fine_tune" if kept == "frozen" else "frozen"
    assert phases[kept]["val_loss"] <= phases[other]["val_loss"]
    assert diagnostics["overfit_check"]["passed"] is True
    json.dumps(diagnostics, allow_nan=False)  # the report stores it as JSON
    proba = model.predict_proba(val_frame)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(y_val, proba[:, 1]) > 0.9


def test_the_packaged_imagenet_weights_see_photos_and_digits_under_the_127_128_scaling(
    digits: tuple[Any, np.ndarray, Any, np.ndarray],
) -> None:
    """The weights are ImageNet's and the scaling is theirs: the packaged classifier calls scikit-learn's
    sample flower a daisy (ImageNet class 985) only under (x - 127) / 128, and the frozen features separate
    the digits; the same network with random weights gives features that all but vanish (torch's default
    initialisation through 16 blocks), so the raw features of the pretrained network are far more useful."""
    from efficientnet_lite_pytorch import EfficientNet
    from sklearn.datasets import load_sample_images

    from workers.deep.transfer_model import TransferNet, weights_path

    net = EfficientNet.from_name("efficientnet-lite0")
    net.load_state_dict(torch.load(weights_path(), map_location="cpu", weights_only=True))
    flower = torch.as_tensor(load_sample_images().images[1].copy()).permute(2, 0, 1)[None].float()
    flower = torch.nn.functional.interpolate(flower, size=224)
    with torch.inference_mode():
        assert net.eval()((flower - 127) / 128).argmax().item() == 985  # daisy
        imagenet_mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None] * 255
        imagenet_std = torch.tensor([0.229, 0.224, 0.225])[:, None, None] * 255
        assert net((flower - imagenet_mean) / imagenet_std).argmax().item() != 985

    frame, y, val_frame, y_val = digits
    aucs, spread = {}, {}
    for pretrained in (True, False):
        torch.manual_seed(0)
        transfer = TransferNet(channels=1, size=32, d_out=2, input_size=64, pretrained=pretrained).eval()
        with torch.inference_mode():
            train = transfer.features(torch.as_tensor((frame.to_numpy() - 127) / 128, dtype=torch.float32))
            val = transfer.features(torch.as_tensor((val_frame.to_numpy() - 127) / 128, dtype=torch.float32))
        probe = LogisticRegression(max_iter=2000).fit(train.numpy(), y)
        aucs[pretrained] = roc_auc_score(y_val, probe.predict_proba(val.numpy())[:, 1])
        spread[pretrained] = float(train.std(dim=0).mean())
    assert aucs[True] > 0.9 and aucs[True] - aucs[False] > 0.1
    assert spread[True] > 0.1 > 1e-3 > spread[False]


def test_an_image_assessment_trains_the_image_families() -> None:
    from workers.assessment.config import AssessmentConfig
    from workers.assessment.runner import run_assessment
    from workers.assessment.store import InMemoryStore

    dataset = digits_dataset(240)
    # deep_params serve both image families: each takes the names it has (the CNN's width, the transfer
    # model's input size), with short budgets.
    params = {**TINY_CNN, "max_epochs": 3, "fine_tune_epochs": 0, "input_size": 64}
    report = run_assessment(
        dataset,
        AssessmentConfig(target="label", positive="3", learning_curve=False, deep_params=params),
        InMemoryStore(),
    )
    names = [model["name"] for model in report["models"]]
    assert names[3:] == ["CNN (from scratch)", "EfficientNet-Lite0 (transfer)"]  # after the three baselines
    assert "ResNet MLP" not in names and "TabM" not in names
    deep = {model["name"]: model for model in report["models"][3:]}
    assert all(model["status"] == "ok" for model in deep.values())
