"""Experiments: one model family trained with one exact configuration (its procedure), and grids of them.

`families` (hyperparameters and their defaults), `procedure` (what identifies a run: its fingerprint),
`data` (an experiment's split and columns, as an assessment makes them), `run` (train and measure on
validation) and `grid` (hyperparameter grids). Import from the modules themselves: this package imports
nothing, so `workers.baselines` can read the defaults from `families` without an import cycle.
"""
