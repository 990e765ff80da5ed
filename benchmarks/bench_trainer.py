"""Epoch time of the trainer's on-device loop against a plain DataLoader loop, side by side.

    python benchmarks/bench_trainer.py --rows 100000 --cols 50 --epochs 3 --device auto
    python benchmarks/bench_trainer.py --device cuda --json trainer.json

Both loops train the same ResNetMLP (same initial weights, optimiser, batch size, precision and
training step) on the same synthetic binary table; only the way batches reach the model differs:

- ours: `workers.deep.loop.train_epoch` — the table lives on the device, one `torch.randperm` per
  epoch, each batch one index slice, with the trainer's gradient-norm sampling switched on;
- DataLoader: `DataLoader(TensorDataset(X, y), batch_size=..., shuffle=True)` over host tensors, each
  batch moved to the device (on CUDA) before the same step.

Epochs alternate between the two (ours, DataLoader, ours, ...) after a warm-up of each, so drift on
a noisy machine hits both. Rows/second come from each loop's fastest epoch (other work on a shared
machine only adds time); the ratio of median epochs is reported beside it. `--device auto` runs the CPU and, when
torch can see one, the GPU.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from workers.deep.device import resolve_device, resolve_mixed_precision
from workers.deep.diagnostics import GradientNormTracker
from workers.deep.loop import DeviceTensors, count_batches, make_optimizer, train_epoch, train_step
from workers.deep.model import ResNetMLP

WARMUP_BATCHES = 20  # first calls pay for allocator growth and kernel selection; keep that out of the timing


def synthetic_binary(rows: int, cols: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols)).astype(np.float32)
    logit = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + 0.5 * X[:, 3]
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return X, y


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_device(
    device: torch.device, X: np.ndarray, y: np.ndarray, args: argparse.Namespace
) -> dict[str, Any]:
    mixed_precision = resolve_mixed_precision("auto", device)
    shape = {"d_main": args.d_main, "d_hidden": args.d_hidden, "n_blocks": args.n_blocks, "dropout": 0.1}
    torch.manual_seed(args.seed)
    template = ResNetMLP(d_in=X.shape[1], d_out=2, **shape)

    def fresh() -> tuple[ResNetMLP, torch.optim.Optimizer]:
        model = ResNetMLP(d_in=X.shape[1], d_out=2, **shape)
        model.load_state_dict(template.state_dict())
        model.to(device)
        return model, make_optimizer(model, lr=1e-3, weight_decay=1e-5)

    # Ours: the whole table on the device.
    ours_model, ours_opt = fresh()
    data = DeviceTensors.from_numpy(X, y, device)
    generator = torch.Generator(device=device)
    generator.manual_seed(args.seed)
    tracker = GradientNormTracker(ours_model)
    n_batches = count_batches(len(y), args.batch_size)

    def ours_epoch(limit_rows: int | None = None) -> float:
        part = data if limit_rows is None else DeviceTensors(data.X[:limit_rows], data.y[:limit_rows])
        tracker.start_epoch(n_batches)
        _sync(device)
        started = time.perf_counter()
        train_epoch(
            ours_model,
            ours_opt,
            part,
            batch_size=args.batch_size,
            generator=generator,
            mixed_precision=mixed_precision,
            on_batch_gradients=tracker.observe,
        )
        _sync(device)
        tracker.end_epoch()
        return time.perf_counter() - started

    # Baseline: host tensors through a DataLoader, the same step on each batch.
    dl_model, dl_opt = fresh()
    dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))

    def dataloader_epoch(limit_batches: int | None = None) -> float:
        dl_model.train()
        loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True)
        _sync(device)
        started = time.perf_counter()
        for i, (xb, yb) in enumerate(loader):
            if limit_batches is not None and i >= limit_batches:
                break
            if len(yb) < 2:
                continue  # BatchNorm needs two rows, as in the trainer
            train_step(dl_model, dl_opt, xb.to(device), yb.to(device), mixed_precision=mixed_precision)
        _sync(device)
        return time.perf_counter() - started

    ours_epoch(limit_rows=WARMUP_BATCHES * args.batch_size)
    dataloader_epoch(limit_batches=WARMUP_BATCHES)
    ours_times, dl_times = [], []
    for _ in range(args.epochs):
        ours_times.append(ours_epoch())
        dl_times.append(dataloader_epoch())
    ours, dataloader = _throughput(len(y), ours_times), _throughput(len(y), dl_times)
    return {
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
        "mixed_precision": mixed_precision,
        "ours": ours,
        "dataloader": dataloader,
        "speedup": ours["rows_per_second"] / dataloader["rows_per_second"],
        "speedup_median": ours["rows_per_second_median"] / dataloader["rows_per_second_median"],
    }


def _throughput(rows: int, seconds: list[float]) -> dict[str, Any]:
    # The fastest epoch is the headline: on a shared machine, other work only ever adds time, so the
    # minimum is the closest to the loop's own cost; the median is kept to show the spread.
    return {
        "seconds_per_epoch": seconds,
        "rows_per_second": rows / min(seconds),
        "rows_per_second_median": rows / statistics.median(seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cols", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--d-main", type=int, default=128)
    parser.add_argument("--d-hidden", type=int, default=256)
    parser.add_argument("--n-blocks", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the numbers here")
    args = parser.parse_args()

    if args.device == "auto":
        devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    else:
        devices = [resolve_device(args.device)]
    X, y = synthetic_binary(args.rows, args.cols, args.seed)
    print(
        f"{args.rows} rows x {args.cols} cols, batch {args.batch_size}, ResNetMLP d_main={args.d_main} "
        f"d_hidden={args.d_hidden} n_blocks={args.n_blocks}, {args.epochs} timed epochs each, "
        f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
    )
    results = []
    for device in devices:
        result = bench_device(device, X, y, args)
        results.append(result)
        print(
            f"{result['device']:>5} (mixed precision {'on' if result['mixed_precision'] else 'off'}): "
            f"ours {result['ours']['rows_per_second']:>12,.0f} rows/s | "
            f"DataLoader {result['dataloader']['rows_per_second']:>10,.0f} rows/s | "
            f"speed-up {result['speedup']:.1f}x (best epochs; medians give {result['speedup_median']:.1f}x)"
        )
    if args.json:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        payload = {
            "config": config,
            "torch": torch.__version__,
            "cpu_threads": torch.get_num_threads(),
            "results": results,
        }
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
