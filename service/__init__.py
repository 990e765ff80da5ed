"""How the world reaches Readiness: settings, database, jobs, the API, the dashboard and the CLI."""

# The library's thread policy must be in force before any entry point here loads a compute library.
import workers  # noqa: F401
