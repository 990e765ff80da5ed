"""Taking work out of Readiness: a fitted model as a safe bundle with its model card (`bundles`), every
assessment and experiment into MLflow (`mlflow_export`). The doors (CLI, API, dashboard) call these."""
