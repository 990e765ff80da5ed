"""The service's one settings object, read from `READINESS_*` environment variables at the entry points."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workers.data.images import limits as image_limits
from workers.data.limits import TableLimits

DEFAULT_PORT = 8000
# Requests served at once by one API process (threads). Requests wait on the database far more than they
# compute, so a few per core keep two cores busy; each holds at most one pooled connection at a time.
DEFAULT_API_THREADS = 16
# A worker's heartbeat comes from a process of its own (service.jobs.heartbeat): while the README's first
# command trained under 4 busy loops per core, no heartbeat was ever more than 1.0 s old with a 1 s beat
# (benchmarks/bench_heartbeat.py): it came on time. A minute is a wide margin over that, for hosts far
# busier than ours, and still takes a dead worker's job over within about a minute.
DEFAULT_STALLED_WORKER_SECONDS = 60.0
MISSED_BEATS = 2  # the stalled timeout spans at least this many heartbeats
DEFAULT_MAX_UPLOAD_MB = 1024
DEFAULT_MAX_JSON_MB = 1.0  # a JSON or form body: fields of text, never a file
# What an uploaded table may expand to, checked from its metadata before it is parsed (workers/data/limits.py).
# Columns: the wide tables teams bring (survey exports, one-hot feature stores) have hundreds to a few thousand
# columns; loading, profiling and checks cost about 2 ms a column at 100 rows (benchmarks/bench_wide_tables.py),
# so 10,000 columns is about 20 s of an upload's work and a 1.5 MB profile. A wider table (gene expression)
# is better assessed on a selection of its columns.
DEFAULT_MAX_COLUMNS = 10_000
# Rows: ten million is far more than the assessment needs (its learning curve saturates long before) and, at
# 8 bytes a cell, 80 MB a column in memory.
DEFAULT_MAX_ROWS = 10_000_000
# Memory once read (the larger of Parquet's uncompressed size and 8 bytes a cell): 4 GiB is what a laptop-sized
# pandas load can hold beside the server; a 419 KB Parquet file expanding to 30 M rows is refused before reading.
DEFAULT_MAX_DECOMPRESSED_MB = 4096
# An upload is inspected in a pooled process whose private memory (RLIMIT_DATA) is capped at a fixed base plus
# this multiple of READINESS_MAX_DECOMPRESSED_MB. Measured (benchmarks/hostile_inputs.py, README "Hostile
# inputs"): an idle pooled process holds ~305 MB, and the 100k × 50 synthetic table (41 MB once read by the
# loader's 8-bytes-a-cell estimate) needed between 500 and 600 MB in all, ~7× its decompressed size over idle.
UPLOAD_MEMORY_BASE_MB = 512
DEFAULT_UPLOAD_MEMORY_MULTIPLE = 8.0


def default_home() -> Path:
    return platformdirs.user_data_path("readiness")


class Settings(BaseSettings):
    """Where Readiness keeps its data and how it reaches its database."""

    model_config = SettingsConfigDict(env_prefix="READINESS_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Embedded database, artifacts and uploads.")
    database_url: str | None = Field(
        default=None, description="postgresql://… of an external server; unset = the embedded Postgres."
    )
    artifacts_dir: Path | None = Field(
        default=None, description="Content-addressed store; default HOME/artifacts."
    )
    max_upload_mb: float = Field(default=DEFAULT_MAX_UPLOAD_MB, gt=0)
    max_json_mb: float = Field(
        default=DEFAULT_MAX_JSON_MB,
        gt=0,
        description="Largest JSON or form body; uploads have their own limit.",
    )
    max_columns: int = Field(
        default=DEFAULT_MAX_COLUMNS, ge=2, description="Widest table read, target included."
    )
    max_rows: int = Field(default=DEFAULT_MAX_ROWS, ge=1, description="Longest table read.")
    max_decompressed_mb: float = Field(
        default=DEFAULT_MAX_DECOMPRESSED_MB, gt=0, description="Most memory a table may take once read."
    )
    upload_memory_multiple: float = Field(
        default=DEFAULT_UPLOAD_MEMORY_MULTIPLE,
        ge=0,
        allow_inf_nan=False,
        description=f"An upload's inspection may use {UPLOAD_MEMORY_BASE_MB} MB plus this many times "
        "READINESS_MAX_DECOMPRESSED_MB of memory.",
    )
    # What a zip of images may hold and expand to (workers/data/images/limits.py has the defaults and why).
    max_images: int = Field(default=image_limits.DEFAULT_MAX_IMAGES, ge=1, description="Most files in a zip.")
    max_image_mb: float = Field(default=image_limits.DEFAULT_MAX_IMAGE_MB, gt=0, description="Largest image.")
    max_image_pixels: int = Field(
        default=image_limits.DEFAULT_MAX_IMAGE_PIXELS, ge=1, description="Most pixels an image may declare."
    )
    max_unzipped_mb: float = Field(
        default=image_limits.DEFAULT_MAX_UNZIPPED_MB, gt=0, description="Most bytes a zip may unpack to."
    )
    max_zip_ratio: float = Field(
        default=image_limits.DEFAULT_MAX_RATIO, gt=1, description="Most a zip entry may expand (zip bombs)."
    )
    default_test_budget: int = Field(default=3, ge=1)
    worker_heartbeat_seconds: float = Field(
        default=5.0, gt=0, description="How often a worker says it is alive."
    )
    stalled_worker_seconds: float = Field(
        default=DEFAULT_STALLED_WORKER_SECONDS,
        gt=0,
        description="A worker silent this long is presumed dead; its job is retried.",
    )
    api_threads: int = Field(
        default=DEFAULT_API_THREADS,
        ge=1,
        le=256,
        description="Requests one API process serves at once; its database connections are sized to it.",
    )
    # The MLflow tracking URIs the API may write to besides file: URIs under HOME/mlflow (service.exports):
    # a server that sent data to any URI a request names would be a server-side request forgery.
    mlflow_allowed_uris: list[str] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT

    @model_validator(mode="after")
    def _stalled_after_missed_beats(self) -> Settings:
        # One late beat must never look like a dead worker (service.jobs.lease).
        if self.stalled_worker_seconds < MISSED_BEATS * self.worker_heartbeat_seconds:
            raise ValueError(
                f"READINESS_STALLED_WORKER_SECONDS ({self.stalled_worker_seconds:g}) must be at least "
                f"{MISSED_BEATS}× READINESS_WORKER_HEARTBEAT_SECONDS ({self.worker_heartbeat_seconds:g}): "
                "a worker is presumed dead only after several missed heartbeats."
            )
        return self

    @property
    def artifacts_path(self) -> Path:
        return self.artifacts_dir or self.home / "artifacts"

    @property
    def uploads_path(self) -> Path:
        return self.home / "uploads"

    @property
    def embedded_data_path(self) -> Path:
        return self.home / "pg"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def upload_memory_bytes(self) -> int:
        """The private memory an upload's inspection may use (service.datasets.apart)."""
        return int(
            (UPLOAD_MEMORY_BASE_MB + self.upload_memory_multiple * self.max_decompressed_mb) * 1024 * 1024
        )

    @property
    def image_limits(self) -> image_limits.ImageLimits:
        """What a zip of images may hold and expand to (READINESS_MAX_IMAGES, _MAX_IMAGE_MB, …)."""
        return image_limits.ImageLimits(
            max_images=self.max_images,
            max_image_bytes=int(self.max_image_mb * 1024 * 1024),
            max_image_pixels=self.max_image_pixels,
            max_unzipped_bytes=int(self.max_unzipped_mb * 1024 * 1024),
            max_ratio=self.max_zip_ratio,
        )

    @property
    def table_limits(self) -> TableLimits:
        """What a table may expand to, checked before it is parsed (READINESS_MAX_COLUMNS, _ROWS, …)."""
        return TableLimits(
            max_columns=self.max_columns,
            max_rows=self.max_rows,
            max_decompressed_bytes=int(self.max_decompressed_mb * 1024 * 1024),
        )
