"""The content-addressed artifact store: files under READINESS_HOME/artifacts named by their SHA-256.

A file is written to a temporary name in the store's own directory and renamed into place only when
complete, so a crash never leaves a half-written artifact under a real name, and the same content is
stored once however often it is saved.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from workers.errors import FileTooLarge

CHUNK_BYTES = 1024 * 1024


def lock_artifact(session: Any, name: str) -> None:
    """Lock the artifact `name` until the session's transaction ends. A writer holds it while it commits
    the row that names a file; the orphan sweeper holds it while it checks that no row does and deletes."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"artifact:{name}"}
    )


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"

    def _ensure(self) -> None:
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        """Where an artifact lives; `name` is a SHA-256, optionally followed by a suffix such as ".csv"."""
        return self.root / name[:2] / name

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def _commit(self, tmp: Path, name: str) -> str:
        final = self.path(name)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
        return name

    def put_chunks(
        self, chunks: Iterable[bytes], *, suffix: str = "", max_bytes: int | None = None
    ) -> tuple[str, int]:
        """Stream chunks into the store; returns (name, size). Over `max_bytes` → `FileTooLarge`, nothing kept."""
        self._ensure()
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge(
                            f"The upload is larger than the limit of {max_bytes / 1e6:,.1f} MB "
                            "(READINESS_MAX_UPLOAD_MB)."
                        )
                    digest.update(chunk)
                    handle.write(chunk)
            return self._commit(tmp, digest.hexdigest() + suffix), size
        finally:
            tmp.unlink(missing_ok=True)

    def put_bytes(self, data: bytes, *, suffix: str = "") -> str:
        name, _ = self.put_chunks([data], suffix=suffix)
        return name

    def put_object(self, value: Any) -> str:
        """Pickle a stage output. Only this service's own workers write and read these files."""
        return self.put_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), suffix=".pkl")

    def get_object(self, name: str) -> Any:
        with self.path(name).open("rb") as handle:
            return pickle.load(handle)  # safe: artifacts are written by our own workers only
