"""The model families an experiment can train: their hyperparameters, defaults and valid values.

This is the one place the defaults live. `workers.baselines` fits the assessment's baselines with them and
they equal `ResNetMLPClassifier`'s constructor defaults, so an experiment with no hyperparameters given is
the very model an assessment reports. It sits beside `baselines` rather than inside `experiments/`
because both read it and `experiments/` fits its baselines through `baselines`: from inside, the two
imported each other.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any, Literal

from workers.errors import InvalidOption, UnknownModelFamily

LOGISTIC_REGRESSION = "logistic_regression"
RANDOM_FOREST = "random_forest"
XGBOOST = "xgboost"
DEEP = "deep"
TABM = "tabm"
CNN = "cnn"
TRANSFER = "transfer"
FAMILIES: tuple[str, ...] = (LOGISTIC_REGRESSION, RANDOM_FOREST, XGBOOST, DEEP, TABM, CNN, TRANSFER)
BASELINE_FAMILIES: tuple[str, ...] = FAMILIES[:3]  # simplest first: model selection gives ties to the first
# The deep families an assessment trains; the one with the best validation ROC-AUC is compared with the
# baselines (ties go to the first).
DEEP_FAMILIES: tuple[str, ...] = (DEEP, TABM)
# The deep families of an image dataset (its pixels, `workers.images`): a CNN from scratch, then transfer
# learning from ImageNet weights. `deep_families_for` chooses between the two tuples by modality.
IMAGE_DEEP_FAMILIES: tuple[str, ...] = (CNN, TRANSFER)
ALL_DEEP_FAMILIES: tuple[str, ...] = (*DEEP_FAMILIES, *IMAGE_DEEP_FAMILIES)
FAMILY_LABELS: dict[str, str] = {
    LOGISTIC_REGRESSION: "Logistic regression",
    RANDOM_FOREST: "Random forest",
    XGBOOST: "XGBoost",
    DEEP: "ResNet MLP",
    TABM: "TabM",
    CNN: "CNN (from scratch)",
    TRANSFER: "EfficientNet-Lite0 (transfer)",
}


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: its type, default and the values it accepts.

    `kind` is the canonical type of a number ("int" or "float"), so 1 and 1.0 complete to the same value.
    `choices` are words accepted besides a number (max_features="sqrt"); `optional` makes None a value
    (lr=None: the LR range test picks it). `default_from=(name, factor)` defaults it to factor × another
    hyperparameter's value instead of `default` when it is not given.
    """

    name: str
    kind: Literal["int", "float"]
    default: Any
    low: float
    high: float
    low_open: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False
    default_from: tuple[str, int] | None = None
    help: str = ""

    def describe(self) -> str:
        """The accepted values in words, e.g. "an integer in [1, 5000]"."""
        what = "an integer" if self.kind == "int" else "a number"
        text = f"{what} in {'(' if self.low_open else '['}{_bound(self.low)}, {_bound(self.high)}]"
        words = [repr(choice) for choice in self.choices] + [text]
        if self.optional:
            words.append("None")
        return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"

    def coerce(self, value: Any, family: str) -> Any:
        """`value` in this hyperparameter's canonical type, or `InvalidOption` naming what is accepted."""
        if value is None and self.optional:
            return None
        if isinstance(value, str):
            if value in self.choices:
                return value
            try:
                value = float(value)  # YAML 1.1 reads 1e-3 (no dot) as a string
            except ValueError:
                raise self._invalid(value, family) from None
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise self._invalid(value, family)
        if self.kind == "int":
            if not float(value).is_integer():
                raise self._invalid(value, family)
            number: int | float = int(float(value))  # integral, so the float is exact
        else:
            number = float(value) + 0.0  # + 0.0 turns -0.0 into 0.0: one spelling per value
        above_low = number > self.low if self.low_open else number >= self.low
        if not (above_low and number <= self.high):
            raise self._invalid(value, family)
        return number

    def _invalid(self, value: Any, family: str) -> InvalidOption:
        return InvalidOption(f"{family} hyperparameter {self.name} must be {self.describe()}, got {value!r}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.kind,
            "default": self.default,
            "accepts": self.describe(),
            "help": self.help,
        }


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


_SPECS: dict[str, tuple[Hyperparameter, ...]] = {
    LOGISTIC_REGRESSION: (
        Hyperparameter("C", "float", 1.0, 0.0, 1e6, low_open=True, help="inverse L2 penalty strength"),
        Hyperparameter("max_iter", "int", 2000, 1, 100_000, help="lbfgs iterations at most"),
    ),
    RANDOM_FOREST: (
        Hyperparameter("n_estimators", "int", 150, 1, 5000, help="trees"),
        Hyperparameter(
            "max_features",
            "float",
            "sqrt",
            0.0,
            1.0,
            low_open=True,
            choices=("sqrt", "log2"),
            help="features tried at each split: 'sqrt', 'log2' or a fraction of them",
        ),
        Hyperparameter("min_samples_leaf", "int", 2, 1, 100_000, help="rows a leaf holds at least"),
        Hyperparameter(
            "max_depth", "int", None, 1, 1000, optional=True, help="None: grow until leaves are pure"
        ),
        # Each tree sees at most this many rows, and leaves hold at least two: on the 100k-row benchmark
        # this costs 0.005 validation AUC against 200 full trees on 40k rows, and saves 19 of 31 seconds
        # on two cores.
        Hyperparameter("max_rows_per_tree", "int", 20_000, 1, 10**9, help="rows drawn for each tree at most"),
    ),
    XGBOOST: (
        Hyperparameter(
            "n_estimators",
            "int",
            2000,
            1,
            100_000,
            help="boosting rounds at most; early stopping ends sooner",
        ),
        Hyperparameter(
            "early_stopping_rounds", "int", 50, 1, 10_000, help="rounds without a better validation loss"
        ),
        Hyperparameter("learning_rate", "float", 0.1, 0.0, 1.0, low_open=True, help="shrinkage per round"),
        Hyperparameter("max_depth", "int", 6, 1, 32, help="depth of each tree"),
        Hyperparameter("subsample", "float", 0.9, 0.0, 1.0, low_open=True, help="rows sampled per tree"),
        Hyperparameter(
            "colsample_bytree", "float", 0.9, 0.0, 1.0, low_open=True, help="columns sampled per tree"
        ),
    ),
    # ResNetMLPClassifier's constructor defaults (a test holds the two together).
    DEEP: (
        Hyperparameter("d_main", "int", 128, 1, 4096, help="width of the residual stream"),
        Hyperparameter(
            "d_hidden",
            "int",
            256,
            1,
            16_384,
            default_from=("d_main", 2),
            help="width inside each block; 2 × d_main unless given",
        ),
        Hyperparameter("n_blocks", "int", 2, 1, 64, help="residual blocks"),
        Hyperparameter("dropout", "float", 0.1, 0.0, 0.99),
        Hyperparameter(
            "lr",
            "float",
            None,
            0.0,
            10.0,
            low_open=True,
            optional=True,
            help="None: the LR range test picks it",
        ),
        Hyperparameter("weight_decay", "float", 1e-5, 0.0, 1.0, help="AdamW weight decay"),
        Hyperparameter("batch_size", "int", 512, 2, 1 << 20, help="rows per step (BatchNorm needs two)"),
        Hyperparameter("max_epochs", "int", 100, 1, 10_000, help="epochs at most"),
        Hyperparameter("patience", "int", 8, 1, 10_000, help="epochs without a better validation loss"),
    ),
    # TabM (Gorishniy et al., ICLR 2025). None means the profile's value for the device it runs on
    # (`TABM_PROFILES`): the paper's defaults on a GPU, a smaller ensemble with a time budget on the CPU.
    TABM: (
        Hyperparameter("k", "int", None, 1, 256, optional=True, help="ensemble members; None: the profile's"),
        Hyperparameter("n_blocks", "int", None, 1, 16, optional=True, help="MLP blocks; None: the profile's"),
        Hyperparameter(
            "d_block", "int", None, 1, 8192, optional=True, help="block width; None: the profile's"
        ),
        Hyperparameter("dropout", "float", 0.1, 0.0, 0.99),
        Hyperparameter(
            "n_bins",
            "int",
            None,
            0,
            1024,
            optional=True,
            help="piecewise-linear embedding bins per feature; None: the profile's (0 turns them off)",
        ),
        Hyperparameter(
            "lr", "float", None, 0.0, 10.0, low_open=True, optional=True, help="None: the profile's"
        ),
        Hyperparameter("weight_decay", "float", 3e-4, 0.0, 1.0, help="AdamW weight decay"),
        Hyperparameter(
            "batch_size", "int", None, 2, 1 << 20, optional=True, help="rows per step; None: the profile's"
        ),
        Hyperparameter("max_epochs", "int", 200, 1, 10_000, help="epochs at most"),
        Hyperparameter("patience", "int", 16, 1, 10_000, help="epochs without a better validation loss"),
        Hyperparameter(
            "time_budget_s",
            "float",
            None,
            0.0,
            1e6,
            low_open=True,
            optional=True,
            help="seconds of training at most, then the best epoch so far; None: the profile's",
        ),
    ),
    # A small ResNet trained from scratch on the pixels (`workers.deep.image_trainer.CNNClassifier`).
    CNN: (
        Hyperparameter("width", "int", 16, 1, 512, help="channels of the first stage, doubled at each of 3"),
        Hyperparameter("blocks_per_stage", "int", 1, 1, 8, help="residual blocks in each of the 3 stages"),
        Hyperparameter("dropout", "float", 0.1, 0.0, 0.99, help="before the linear head"),
        Hyperparameter(
            "augment",
            "int",
            1,
            0,
            2,
            help="0 off, 1 random shifts, 2 shifts and horizontal flips (training batches only)",
        ),
        Hyperparameter(
            "lr",
            "float",
            None,
            0.0,
            10.0,
            low_open=True,
            optional=True,
            help="None: the LR range test picks it",
        ),
        Hyperparameter("weight_decay", "float", 5e-4, 0.0, 1.0, help="AdamW weight decay"),
        Hyperparameter("batch_size", "int", 128, 2, 1 << 16, help="images per step (BatchNorm needs two)"),
        Hyperparameter("max_epochs", "int", 60, 1, 10_000, help="epochs at most"),
        Hyperparameter("patience", "int", 8, 1, 10_000, help="epochs without a better validation loss"),
        Hyperparameter(
            "time_budget_s",
            "float",
            None,
            0.0,
            1e6,
            low_open=True,
            optional=True,
            help="seconds of training at most; None: the device's (IMAGE_TIME_BUDGETS: 60 s on CPU, none on GPU)",
        ),
    ),
    # EfficientNet-Lite0 with ImageNet weights: a linear head on frozen features, then fine-tuning
    # (`workers.deep.transfer_trainer.TransferClassifier`).
    TRANSFER: (
        Hyperparameter(
            "input_size",
            "int",
            None,
            32,
            512,
            optional=True,
            help="pixels a side the images are upsampled to, a multiple of 32; None: 96 on CPU, 224 on GPU",
        ),
        Hyperparameter("dropout", "float", 0.2, 0.0, 0.99, help="before the linear head"),
        Hyperparameter(
            "lr",
            "float",
            None,
            0.0,
            10.0,
            low_open=True,
            optional=True,
            help="the head's (frozen phase); None: the LR range test on the frozen features picks it",
        ),
        Hyperparameter("weight_decay", "float", 1e-4, 0.0, 1.0, help="AdamW weight decay"),
        Hyperparameter("batch_size", "int", 64, 2, 1 << 16, help="images per step"),
        Hyperparameter("max_epochs", "int", 100, 1, 10_000, help="epochs of the frozen phase at most"),
        Hyperparameter("patience", "int", 8, 1, 10_000, help="epochs without a better validation loss"),
        Hyperparameter(
            "fine_tune_epochs",
            "int",
            10,
            0,
            10_000,
            help="epochs fine-tuning the whole network; 0: frozen only",
        ),
        Hyperparameter(
            "fine_tune_lr", "float", 1e-5, 0.0, 10.0, low_open=True, help="AdamW's rate while fine-tuning"
        ),
        Hyperparameter(
            "augment", "int", 1, 0, 2, help="while fine-tuning: 0 off, 1 random shifts, 2 shifts and flips"
        ),
        Hyperparameter(
            "time_budget_s",
            "float",
            None,
            0.0,
            1e6,
            low_open=True,
            optional=True,
            help="seconds for both phases; None: the device's (IMAGE_TIME_BUDGETS: 40 s on CPU, none on GPU)",
        ),
    ),
}

# TabM's values that depend on the device, for the hyperparameters left at None. GPU: the paper's defaults
# (k=32 members of 3 × 512, lr 2e-3, batch 256, no time limit). CPU: a smaller, wider-batched ensemble with
# a time budget, so an assessment on two cores keeps inside its time to verdict (the README's deep-families
# benchmark says what each costs and scores). Measured on two loaded cores: piecewise-linear embeddings
# lifted validation ROC-AUC from 0.75 to 0.85 on 240 training rows and cost nothing there, but made each row
# 2.6× slower for no gain (0.9840 against 0.9837 in the same 60 s) on 12k rows, so the CPU profile uses them
# only up to `CPU_EMBEDDING_MAX_ROWS` training rows.
TABM_PROFILES: dict[str, dict[str, Any]] = {
    "gpu": {
        "k": 32,
        "n_blocks": 3,
        "d_block": 512,
        "n_bins": None,
        "lr": 2e-3,
        "batch_size": 256,
        "time_budget_s": None,
    },
    "cpu": {
        "k": 8,
        "n_blocks": 2,
        "d_block": 128,
        "n_bins": 16,
        "lr": 2e-3,
        "batch_size": 512,
        "time_budget_s": 15.0,
    },
}
CPU_EMBEDDING_MAX_ROWS = 10_000


def tabm_profile(device_type: str) -> str:
    """The TabM profile for a torch device type: "gpu" on CUDA, "cpu" otherwise."""
    return "gpu" if device_type == "cuda" else "cpu"


def resolve_tabm_hyperparameters(
    hyperparameters: Mapping[str, Any], device_type: str, n_rows: int = 0
) -> dict[str, Any]:
    """TabM's completed hyperparameters with each None replaced by the device's profile value, for `n_rows`
    training rows (the CPU profile drops the embeddings above `CPU_EMBEDDING_MAX_ROWS`); n_bins 0 means no
    embeddings."""
    name = tabm_profile(device_type)
    profile = dict(TABM_PROFILES[name])
    if name == "cpu" and n_rows > CPU_EMBEDDING_MAX_ROWS:
        profile["n_bins"] = None
    resolved = {
        key: profile.get(key) if value is None else value
        for key, value in complete_hyperparameters(TABM, hyperparameters).items()
    }
    if resolved["n_bins"] == 0:
        resolved["n_bins"] = None
    return resolved


# The image families' values for the hyperparameters left at None, by device profile ("cpu" or "gpu"). On
# two CPU cores a CNN epoch over a thousand 32×32 images takes seconds and an EfficientNet one far longer, so
# the CPU profile bounds both by time and upsamples less for the transfer model; a GPU has neither limit.
IMAGE_PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "cpu": {CNN: {"time_budget_s": 60.0}, TRANSFER: {"time_budget_s": 40.0, "input_size": 96}},
    "gpu": {CNN: {"time_budget_s": None}, TRANSFER: {"time_budget_s": None, "input_size": 224}},
}


def resolve_image_hyperparameters(
    family: str, hyperparameters: Mapping[str, Any], device_type: str
) -> dict[str, Any]:
    """An image family's completed hyperparameters with each None the device profile has a value for
    replaced by it (`IMAGE_PROFILES`); `lr=None` stays None (the LR range test picks it)."""
    profile = IMAGE_PROFILES[tabm_profile(device_type)][family]
    return {
        key: profile[key] if value is None and key in profile else value
        for key, value in complete_hyperparameters(family, hyperparameters).items()
    }


def deep_families_for(modality: str) -> tuple[str, ...]:
    """The deep families an assessment of a `modality` ("table" or "images") dataset trains."""
    return IMAGE_DEEP_FAMILIES if modality == "images" else DEEP_FAMILIES


def check_family_fits(family: str, modality: str) -> str:
    """`family` if it can train on a `modality` dataset, else `InvalidOption` saying which families fit: the
    image families need pixels, and the table deep families are not meant for them."""
    family = check_family(family)
    wrong = DEEP_FAMILIES if modality == "images" else IMAGE_DEEP_FAMILIES
    if family in wrong:
        fits = [*BASELINE_FAMILIES, *deep_families_for(modality)]
        kind = "an image" if modality == "images" else "a table"
        raise InvalidOption(
            f"{FAMILY_LABELS[family]} ({family}) does not train on {kind} dataset; the families that fit are: "
            f"{', '.join(fits)}."
        )
    return family


def family_of(text: str) -> str | None:
    """The family a person or a report means by `text`: its name or its label, in any case and with spaces,
    hyphens or underscores alike ("XGBoost", "random forest", "Random_Forest", "ResNet MLP" → xgboost,
    random_forest, random_forest, deep); None when it names no family."""
    wanted = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    for family, label in FAMILY_LABELS.items():
        if wanted in (family.replace("_", " ").casefold(), label.casefold()):
            return family
    return None


def check_family(family: Any) -> str:
    """`family` if it is one of `FAMILIES`, else `UnknownModelFamily`."""
    if not isinstance(family, str) or family not in _SPECS:
        raise UnknownModelFamily(f"Unknown model family {family!r}; choose one of: {', '.join(FAMILIES)}.")
    return family


def hyperparameters_of(family: str) -> tuple[Hyperparameter, ...]:
    """The hyperparameters of `family`, in the order reports list them."""
    return _SPECS[check_family(family)]


def default_hyperparameters(family: str) -> dict[str, Any]:
    """Every hyperparameter of `family` at its default: what an assessment fits."""
    return complete_hyperparameters(family, {})


def complete_hyperparameters(family: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`given` with every missing hyperparameter at its default and every value in its canonical type.

    Raises `UnknownModelFamily` for an unknown family and `InvalidOption` for an unknown name (the message
    lists the known ones) or a value out of range. The result's keys are in `hyperparameters_of` order.
    """
    specs = {spec.name: spec for spec in hyperparameters_of(family)}
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise InvalidOption(
            f"{family} hyperparameters must be a mapping of name to value, got {type(given).__name__}."
        )
    for name in given:
        if name not in specs:
            raise InvalidOption(unknown_name_message(family, name, list(specs)))
    completed = {name: specs[name].coerce(value, family) for name, value in given.items()}
    for name, spec in specs.items():
        if name in completed:
            continue
        if spec.default_from is not None:
            source, factor = spec.default_from
            completed[name] = spec.coerce(factor * completed.get(source, specs[source].default), family)
        else:
            completed[name] = spec.default
    return {name: completed[name] for name in specs}


def unknown_name_message(family: str, name: Any, known: list[str]) -> str:
    close = difflib.get_close_matches(str(name), known, n=1) if isinstance(name, str) else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{family} has no hyperparameter {name!r}{hint}; its hyperparameters are: {', '.join(known)}."
