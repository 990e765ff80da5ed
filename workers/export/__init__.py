"""Taking a fitted model away: bundles in formats that are safe to load (never an arbitrary pickle) and the
model card that goes with them. Pure: the service finds the model and the facts, this package writes files."""
