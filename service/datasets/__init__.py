"""Datasets: the one intake of a table, whatever the door, and the data every job loads instead of the file.

- `intake`: store the upload (content-addressed, size-limited), inspect it (parse, profile, default split,
  checks), keep what was read, record the row; `take_in` for the API and the dashboard; a refused intake
  leaves nothing behind (`forget_upload`, `forget_derived`).
- `apart`: the pool of processes an upload is inspected in (`inspect_upload`), each task under a memory
  limit (READINESS_UPLOAD_MEMORY_MULTIPLE), so that no request holds the API process's GIL for long.
- `local`: `readiness assess` and `readiness grid` — team `local`, projects by name, a local file recorded
  through the same steps (the same bytes, target and positive class are one dataset).
- `parsed`: the parsed copy of a dataset in the artifact store (Parquet), and `load_stored`, what a job loads
  (a dataset that predates its copy is parsed by its first job only).
- `prepared`: the preparation (profile → split → checks) stored once per data, split seed and kept columns;
  `stored_preparation` is the `prepare_data` every job hands the library.

Nothing is imported here, so that `readiness --help` stays cheap.
"""
