"""The most looks a test split may be allowed: one constant for the API, the batch files and the command line.

A module of its own with no imports, so that `readiness --help` can show it without loading the API."""

MAX_TEST_BUDGET = 1000
