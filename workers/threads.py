"""How the compute libraries' threads behave on a shared machine: one policy, applied before they load.

torch, XGBoost and scikit-learn's OpenMP code keep their idle threads spinning on a core for a while after
each parallel region (OpenMP's default active wait), so that the next region starts a few microseconds
sooner. On a machine whose cores are busy with other work — a shared GPU host, CI, a laptop doing
something else — those spinning threads fight the other work and each other for the same cores: one epoch
of the deep model on 2 threads measured 38× slower than on 1 thread under load, and the README's first
command took 143 s instead of 36 s. Passive waits (threads sleep when idle) cost nothing measurable on an
idle machine. OpenMP reads these variables once, when its runtime starts, so they are set when this package
is imported, before any of those libraries is; a value the user set is kept.
"""

from __future__ import annotations

import os

PASSIVE_WAITS = {
    "OMP_WAIT_POLICY": "PASSIVE",  # GNU libgomp (torch's and XGBoost's wheels) and LLVM's libomp
    "KMP_BLOCKTIME": "0",  # Intel's and LLVM's OpenMP: milliseconds a thread spins before sleeping
}


def apply_thread_policy() -> None:
    """Set the passive-wait policy for this process and its children, keeping any value already set."""
    for name, value in PASSIVE_WAITS.items():
        os.environ.setdefault(name, value)
