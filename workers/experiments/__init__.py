"""Experiments: one model family trained with one exact configuration (its procedure), and grids of them.

`procedure` (what identifies a run: its fingerprint), `data` (an experiment's split and columns, as an
assessment makes them), `run` (train and measure on validation) and `grid` (hyperparameter grids). The
families and their defaults live in `workers.families`, beside `workers.baselines`, which fits them: this
package fits its baselines through `baselines`, so `baselines` must not import from here. Import from the
modules themselves: this package imports nothing.
"""
