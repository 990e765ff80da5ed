"""Issue 17, item 7: the OpenAPI document tells the truth about errors.

Every operation that needs a key documents 401 with ErrorPublic; every 422 documented is ErrorPublic
(`{detail, code}`), not FastAPI's HTTPValidationError, which this API never sends."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from service.web.auth_first import keyed_operations

ERROR = {"$ref": "#/components/schemas/ErrorPublic"}
METHODS = {"get", "put", "post", "delete", "patch"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_keyed_operation_documents_401_and_every_422_is_error_public(client: TestClient) -> None:
    document = client.app.openapi()  # type: ignore[attr-defined]
    found = operations(document)
    api = [(path, method, op) for path, method, op in found if path.startswith("/api/v1/")]
    assert len(api) > 20
    keyed = [entry for entry in api if entry[2].get("security")]
    # Everything under /api/v1 but health needs a key.
    assert {path for path, _, _ in api} - {path for path, _, _ in keyed} == {"/api/v1/health"}
    for path, method, operation in keyed:
        unauthorized = operation["responses"].get("401")
        assert unauthorized, f"{method.upper()} {path} does not document 401"
        assert unauthorized["content"]["application/json"]["schema"] == ERROR, (method, path)
    with_422 = 0
    for path, method, operation in found:
        invalid = operation["responses"].get("422")
        if invalid is not None:
            with_422 += 1
            assert invalid["content"]["application/json"]["schema"] == ERROR, (method, path)
    assert with_422 > 10
    # What schemathesis found the API answers and the document left out: an unparseable body, an unknown id.
    for path, method, operation in api:
        statuses = operation["responses"]
        if operation.get("requestBody"):
            assert statuses["400"]["content"]["application/json"]["schema"] == ERROR, (method, path)
        if "{" in path:
            assert statuses["404"]["content"]["application/json"]["schema"] == ERROR, (method, path)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["ErrorPublic"]["required"]) == {"detail", "code"}


def test_the_served_document_is_the_corrected_one_and_matches_the_early_key_check(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    assert served == client.app.openapi()  # type: ignore[attr-defined]
    keyed = keyed_operations(served)
    assert ("POST", "/api/v1/projects/{project_id}/datasets") in {
        (
            method,
            pattern.pattern.removeprefix("^")
            .removesuffix("$")
            .replace("(?P<project_id>[^/]+)", "{project_id}"),
        )
        for method, pattern in keyed
    }
    # A 401 as documented: ErrorPublic's fields, WWW-Authenticate.
    answer = client.get("/api/v1/projects")
    assert answer.status_code == 401 and set(answer.json()) == {"detail", "code"}
    assert answer.headers["www-authenticate"] == "Bearer"
