"""Writing a fitted model as a bundle that is safe to load: never an arbitrary pickle.

- scikit-learn pipelines (logistic regression, random forest, with their preprocessing) → `model.skops`;
- XGBoost → `model.json` (XGBoost's own format) and its preprocessing → `preprocess.skops`;
- a torch model (any `nn.Module` held as the estimator's `model_`) → `weights.safetensors` (its
  `state_dict`), `module.json` (class, constructor arguments) and, when the module's source file imports
  nothing but torch and the standard library, that source as `architecture.py`; its preprocessing (the
  quantile transform) → `preprocess.skops`.

With them: `manifest.json` (kind, files, columns, classes, threshold, the skops types to trust),
`load_model.py` (a loader that needs no Readiness, but for an image model: it scores image files through
Readiness's own decoding), `README.md`, `model_card.md` and `model_card.json`.
skops refuses to load a type it is not told to trust; the types a bundle needs are checked here to be
scikit-learn's, numpy's or scipy's, so the list a user passes holds nothing that could run code.
"""

from __future__ import annotations

import ast
import inspect
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from workers.baselines import FittedModel
from workers.data.images.image_set import geometry_of
from workers.errors import ReadinessError
from workers.export.card import card_markdown
from workers.export.safetensors_io import write_safetensors
from workers.report.json_values import json_ready

FORMAT_VERSION = 1
TENSOR_KWARG = "__kwarg__."  # constructor arguments that are tensors travel in the weights file
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")
# An image model's preprocessing: Readiness's own numpy-only transformers (the baselines' image features, the
# networks' pixel scaling). Trusted by name, so loading such a bundle needs Readiness installed.
IMAGE_TRANSFORMERS = (
    "workers.images.pixel_features.PixelFeatures",
    "workers.deep.image_trainer.PixelScaler",
    "workers.data.images.image_set.Geometry",
)
LOADER = Path(__file__).with_name("load_model.py")


class ExportUnsupported(ReadinessError):
    http_status = 409
    code = "model_not_exportable"


def write_bundle(
    model: FittedModel,
    out: Path,
    *,
    classes: list[Any],
    threshold: float | None,
    card: dict[str, Any],
) -> list[str]:
    """Write `model` and its card into the empty or new folder `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    pipeline = model.estimator
    prepare, final = pipeline.named_steps["prepare"], pipeline.named_steps["model"]
    geometry = geometry_of([str(c) for c in getattr(prepare, "feature_names_in_", [])])
    numeric, categorical = _column_kinds(prepare)
    trusted = TRUSTED_PREFIXES if geometry is None else TRUSTED_PREFIXES + IMAGE_TRANSFORMERS
    manifest: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "model_name": model.name,
        "kind": _kind(final),
        "feature_columns": [str(c) for c in prepare.feature_names_in_],
        "numeric_columns": numeric,
        "categorical_columns": categorical,
        "classes": [_label(c) for c in classes],
        "threshold": threshold,
        "files": {},
        "skops_trusted": [],
        # An image model's inputs: one column per pixel of this geometry (load_model.py reads image files).
        "images": None if geometry is None else {"channels": geometry.channels, "size": geometry.size},
    }
    if manifest["kind"] == "sklearn":
        manifest["files"]["pipeline"] = "model.skops"
        manifest["skops_trusted"] = _dump_skops(pipeline, out / "model.skops", trusted)
    else:
        manifest["files"]["preprocess"] = "preprocess.skops"
        manifest["skops_trusted"] = _dump_skops(prepare, out / "preprocess.skops", trusted)
        if manifest["kind"] == "xgboost":
            manifest["files"]["model"] = "model.json"
            final.save_model(out / "model.json")
        else:
            manifest["files"].update(_write_torch(final, out))
    card = {**card, "bundle": {"kind": manifest["kind"], "files": sorted(manifest["files"].values())}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (out / "model_card.json").write_text(json.dumps(json_ready(card), indent=2), encoding="utf-8")
    (out / "model_card.md").write_text(card_markdown(card), encoding="utf-8")
    (out / "README.md").write_text(bundle_readme(manifest), encoding="utf-8")
    shutil.copyfile(LOADER, out / "load_model.py")
    return sorted(p.name for p in out.iterdir())


def _kind(final: Any) -> str:
    module = type(final).__module__
    if module.startswith("xgboost"):
        return "xgboost"
    if _torch_module(final) is not None:
        return "torch"
    if module.startswith("sklearn."):
        return "sklearn"
    raise ExportUnsupported(f"A {type(final).__name__} model has no safe export format here.")


def _torch_module(final: Any) -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return None
    module = getattr(final, "model_", None)
    return module if isinstance(module, torch.nn.Module) else None


def _column_kinds(prepare: Any) -> tuple[list[str], list[str]]:
    """The preprocessing's numeric and categorical columns (`workers.features.make_preprocessor` names them;
    an image model's preprocessing takes every pixel column as a number)."""
    numeric: list[str] = []
    categorical: list[str] = []
    if not hasattr(prepare, "transformers_"):
        return [str(c) for c in prepare.feature_names_in_], []
    for name, _, columns in prepare.transformers_:
        if name == "numeric":
            numeric = [str(c) for c in columns]
        elif name == "categorical":
            categorical = [str(c) for c in columns]
    return numeric, categorical


def _label(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _dump_skops(value: Any, path: Path, trusted: tuple[str, ...] = TRUSTED_PREFIXES) -> list[str]:
    import skops.io

    skops.io.dump(value, path, compression=zipfile.ZIP_DEFLATED)  # stored uncompressed, it is ~10× a pickle
    untrusted = sorted(skops.io.get_untrusted_types(file=path))
    unsafe = [t for t in untrusted if not t.startswith(trusted)]
    if unsafe:
        path.unlink()
        raise ExportUnsupported(f"The preprocessing holds types skops cannot vouch for: {', '.join(unsafe)}.")
    return untrusted


def _write_torch(final: Any, out: Path) -> dict[str, str]:
    module = _torch_module(final).cpu()
    tensors = {name: _array(value) for name, value in module.state_dict().items()}
    kwargs, tensor_kwargs = _module_kwargs(final, module)
    for name, values in tensor_kwargs.items():
        for i, value in enumerate(values):
            tensors[f"{TENSOR_KWARG}{name}.{i}"] = _array(value)
    cls = type(module)
    spec: dict[str, Any] = {
        "class": cls.__qualname__,
        "import_path": f"{cls.__module__}.{cls.__qualname__}",
        "source": None,
        "kwargs": json_ready(kwargs),
        "tensor_kwargs": {name: len(values) for name, values in tensor_kwargs.items()},
        "estimator": type(final).__name__,
        "hyperparameters": json_ready(final.get_params()) if hasattr(final, "get_params") else {},
    }
    _check_rebuilds(cls, kwargs, tensor_kwargs, module)
    source = _standalone_source(cls)
    if source is not None:
        (out / "architecture.py").write_text(source, encoding="utf-8")
        spec["source"] = "architecture.py"
    write_safetensors(out / "weights.safetensors", tensors, {"format": "pt"})
    (out / "module.json").write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return {"weights": "weights.safetensors", "module": "module.json"}


def _check_rebuilds(
    cls: type, kwargs: dict[str, Any], tensor_kwargs: dict[str, list[Any]], module: Any
) -> None:
    """Build the module again from what the bundle records and load its weights strictly, as the loader
    will: an argument the recording missed (one that changes the layers) fails here, at export, not later."""
    try:
        rebuilt = cls(**kwargs, **tensor_kwargs)
        rebuilt.load_state_dict(module.state_dict())
    except Exception as error:  # whatever the module raises, the bundle could not be loaded
        raise ExportUnsupported(
            f"The {cls.__name__} cannot be rebuilt from its recorded arguments ({type(error).__name__}: "
            f"{error}); its estimator needs a module_init_kwargs() method."
        ) from error


def _array(value: Any) -> np.ndarray:
    tensor = value.detach().cpu()
    if str(tensor.dtype) == "torch.bfloat16":  # numpy has no bfloat16
        tensor = tensor.float()
    return np.array(tensor.numpy(), order="C")  # not ascontiguousarray: it turns a 0-d tensor into 1-d


def _module_kwargs(final: Any, module: Any) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The module's constructor arguments: from the estimator's `module_init_kwargs()` when it has one, else
    matched by name (`d_in`, `d_out` from the fitted estimator; the rest from its attributes). Arguments
    that are tensors (or lists of them) are returned apart, to travel in the weights file."""
    if hasattr(final, "module_init_kwargs"):
        given = dict(final.module_init_kwargs())
    else:
        given = {}
        for name, param in inspect.signature(type(module).__init__).parameters.items():
            if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if name == "d_in":
                given[name] = int(final.n_features_in_)
            elif name == "d_out":
                given[name] = len(final.classes_)
            elif hasattr(final, name):
                given[name] = getattr(final, name)
            elif param.default is inspect.Parameter.empty:
                raise ExportUnsupported(
                    f"The {type(module).__name__} cannot be rebuilt: its argument {name!r} is not known."
                )
    plain, tensors = {}, {}
    for name, value in given.items():
        if hasattr(value, "detach"):
            tensors[name] = [value]
        elif isinstance(value, list | tuple) and value and all(hasattr(v, "detach") for v in value):
            tensors[name] = list(value)
        else:
            plain[name] = value
    return plain, tensors


def _standalone_source(cls: type) -> str | None:
    """The source file defining `cls`, when it imports only torch and the standard library (so it runs
    without Readiness installed); None otherwise."""
    try:
        source = inspect.getsource(inspect.getmodule(cls))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return None
    allowed = {"torch", "collections", "math", "typing", "__future__", "dataclasses", "functools"}
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        if any(name.split(".")[0] not in allowed for name in names):
            return None
    return source


def bundle_readme(manifest: dict[str, Any]) -> str:
    files = {
        "sklearn": "- `model.skops`: the whole scikit-learn pipeline (preprocessing and model), in skops' format.\n",
        "xgboost": (
            "- `preprocess.skops`: the preprocessing (a scikit-learn ColumnTransformer), in skops' format.\n"
            "- `model.json`: the XGBoost model in XGBoost's own JSON format.\n"
        ),
        "torch": (
            "- `preprocess.skops`: the preprocessing (imputation, a quantile transform to a normal "
            "distribution, one-hot categories), in skops' format.\n"
            "- `weights.safetensors`: the network's `state_dict` (tensors only; no pickle).\n"
            "- `module.json`: the network's class, constructor arguments and hyperparameters.\n"
            + (
                "- `architecture.py`: the network's source (torch only), which `load_model.py` imports.\n"
                if (manifest["files"].get("module") and manifest["kind"] == "torch")
                else ""
            )
        ),
    }[manifest["kind"]]
    needs = {"sklearn": "", "xgboost": " xgboost", "torch": " torch"}[manifest["kind"]]
    images = manifest.get("images")
    image_note = (
        ""
        if not images
        else f"""
## An image model

It scores image files (JPEG, PNG, WebP), decoded and resized as the training images were, to
{images["size"]}×{images["size"]} {"grey" if images["channels"] == 1 else "colour"}. Its preprocessing uses Readiness's own transformers, so
Readiness must be installed to load it:

```python
model = load_bundle(".")
print(model.predict_proba_images(["a.jpg", "b.png"]))
```
"""
    )
    trusted = "\n".join(f"    - `{t}`" for t in manifest["skops_trusted"]) or "    (none)"
    return f"""# {manifest["model_name"]}: a model exported by Readiness

Nothing in this bundle is a pickle: loading it runs no code hidden in data.

## What is in it
{files}- `manifest.json`: the model's kind, files, input columns (numeric and categorical), classes and
  the decision threshold chosen on validation.
- `model_card.md` / `model_card.json`: the data, split, metrics with intervals, threshold, intended
  use and limits.
- `load_model.py`: a loader that needs no Readiness.

## Load it and score rows

```
pip install numpy pandas scikit-learn skops{needs}
```

```python
import pandas as pd
from load_model import load_bundle

model = load_bundle(".")                       # this folder
rows = pd.read_csv("new_rows.csv")             # the original columns: {", ".join(manifest["feature_columns"][:6])}{"…" if len(manifest["feature_columns"]) > 6 else ""}
print(model.predict_proba(rows))               # one column per class: {", ".join(str(c) for c in manifest["classes"])}
print(model.predict(rows))                     # labels; binary: at the threshold {manifest["threshold"]}
```

The preprocessing travels with the model: give the rows as they were uploaded (numbers as numbers,
categories as text; a missing category becomes "(missing)", as in training).

skops loads only the types it is told to trust; `load_model.py` passes exactly the list in
`manifest.json`'s `skops_trusted` (checked at export to be scikit-learn, numpy or scipy types, and for an
image model Readiness's pixel transformers):
{trusted}
{image_note}"""
