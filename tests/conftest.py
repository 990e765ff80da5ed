"""Shared test configuration."""

import os

# Two cores in CI: keep BLAS/torch from oversubscribing when tests run model fits.
os.environ.setdefault("OMP_NUM_THREADS", "2")
