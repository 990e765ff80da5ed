"""The REST API under /api/v1: one router per resource, errors as `{"detail", "code"}`."""
