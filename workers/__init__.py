"""What a worker does: the pipeline library (no web, database or queue code)."""

from workers.threads import apply_thread_policy

# Before anything imports torch, XGBoost or scikit-learn: their OpenMP runtimes read it once, at load.
apply_thread_policy()
