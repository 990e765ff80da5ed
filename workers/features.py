"""Turning the dataset's columns into model inputs, one preprocessing recipe per model family.

Every transformer is fitted on the training split only, so nothing about validation or test rows leaks
into scaling, imputation or category vocabularies.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, QuantileTransformer, StandardScaler

from workers.data.dataset import Dataset
from workers.data.images.image_set import geometry_of
from workers.images.pixel_features import image_preprocessor

Recipe = Literal["linear", "tree", "deep"]
MISSING_CATEGORY = "(missing)"
MAX_ONE_HOT_CATEGORIES = 32  # rarer levels share an "infrequent" column; keeps wide inputs in check
QUANTILES = 1000


def model_frame(dataset: Dataset, columns: list[str]) -> pd.DataFrame:
    """The columns a model sees: numbers as float64, everything else as plain object strings (sklearn's
    encoders do not accept pandas' <NA>). An image dataset's pixels: float32 0..255, one block (no column
    loop over thousands of pixels)."""
    if dataset.images is not None:
        return dataset.features[columns].astype(np.float32)
    frame = pd.DataFrame(index=dataset.features.index)
    for name in columns:
        series = dataset.features[name]
        if pd.api.types.is_float_dtype(series):
            frame[name] = series.astype(float)
        else:
            frame[name] = series.astype(object).where(series.notna(), MISSING_CATEGORY).astype(str)
    return frame


def split_column_kinds(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    numeric = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    categorical = [c for c in frame.columns if c not in numeric]
    return numeric, categorical


def make_preprocessor(
    frame: pd.DataFrame, recipe: Recipe, *, random_state: int = 0
) -> ColumnTransformer | Pipeline:
    if recipe != "deep" and geometry_of(frame.columns) is not None:
        # Pixels: the baselines see a few hundred image features, not every pixel (workers.images.pixel_features).
        return image_preprocessor(recipe)
    numeric, categorical = split_column_kinds(frame)
    if recipe == "tree":
        # Trees split on raw values and handle NaN themselves; ordinal codes keep wide categoricals cheap.
        numeric_steps: list = [("keep", "passthrough")]
        categorical_steps: list = [
            ("codes", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float32))
        ]
    else:
        scale = (
            StandardScaler()
            if recipe == "linear"
            else QuantileTransformer(
                n_quantiles=min(QUANTILES, len(frame)),
                output_distribution="normal",
                subsample=200_000,
                random_state=random_state,
            )
        )
        numeric_steps = [("impute", SimpleImputer(strategy="median", add_indicator=True)), ("scale", scale)]
        categorical_steps = [
            (
                "one_hot",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    max_categories=MAX_ONE_HOT_CATEGORIES,
                    sparse_output=False,
                    dtype=np.float32,
                ),
            )
        ]
    transformers = []
    if numeric:
        transformers.append(("numeric", Pipeline(numeric_steps), numeric))
    if categorical:
        transformers.append(("categorical", Pipeline(categorical_steps), categorical))
    return ColumnTransformer(
        transformers, remainder="drop", sparse_threshold=0.0, verbose_feature_names_out=False
    )
