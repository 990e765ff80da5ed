"""What a safe model bundle costs next to the pickle the artifact store keeps: size on disk, seconds to
write and seconds to load, per model family, on the breast-cancer example (569 rows, 30 columns).

    python benchmarks/bench_model_export.py [--repeats 5]

Both are measured in the same run on the same fitted models, so the ratios (bundle / pickle) are what to
read. Loading the bundle goes through its own load_model.py (skops with trusted types, XGBoost's JSON,
safetensors), as a user would.
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.baselines import FittedModel, fit_baseline  # noqa: E402
from workers.experiments.data import prepare_experiment_data  # noqa: E402
from workers.experiments.fitting import fit_deep  # noqa: E402
from workers.export.bundle import write_bundle  # noqa: E402


def _loader(folder: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"loader_{abs(hash(folder))}", folder / "load_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_bundle


def _best(repeats: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data = prepare_experiment_data(
        ROOT / "examples" / "breast_cancer.csv", target="diagnosis", positive="malignant"
    )
    parts = (data.train_frame, data.y_train, data.validation_frame, data.y_validation)
    models = {
        family: fit_baseline(family, *parts, random_state=0, n_jobs=1)
        for family in ("logistic_regression", "random_forest", "xgboost")
    }
    models["deep"] = fit_deep(*parts, {"max_epochs": 20}, random_state=0, device="cpu")
    print(
        "| model | bundle KB | pickle KB | size ratio | write s (bundle / pickle) | load s (bundle / pickle) |"
    )
    print("|---|---|---|---|---|---|")
    for model in models.values():
        print(measure(model, list(data.dataset.classes), args.repeats))


def measure(model: FittedModel, classes: list[str], repeats: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        counter = iter(range(10_000))

        def write_bundle_once() -> None:
            write_bundle(model, root / f"b{next(counter)}", classes=classes, threshold=0.5, card={})

        def write_pickle() -> None:
            (root / "model.pkl").write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))

        bundle_write = _best(repeats, write_bundle_once)
        pickle_write = _best(repeats, write_pickle)
        folder = root / "b0"
        kept = (
            "manifest.json",
            "model_card.json",
            "load_model.py",
        )  # the same in every bundle: not the model
        model_files = [
            p
            for p in folder.iterdir()
            if p.suffix in (".skops", ".json", ".safetensors", ".py") and p.name not in kept
        ]
        bundle_kb = sum(p.stat().st_size for p in model_files) / 1024
        pickle_kb = (root / "model.pkl").stat().st_size / 1024
        load = _loader(folder)
        bundle_load = _best(repeats, lambda: load(folder))
        pickle_load = _best(repeats, lambda: pickle.loads((root / "model.pkl").read_bytes()))
    return (
        f"| {model.name} | {bundle_kb:,.0f} | {pickle_kb:,.0f} | {bundle_kb / pickle_kb:.2f} | "
        f"{bundle_write:.3f} / {pickle_write:.3f} = {bundle_write / pickle_write:.1f}× | "
        f"{bundle_load:.3f} / {pickle_load:.3f} = {bundle_load / pickle_load:.1f}× |"
    )


if __name__ == "__main__":
    main()
