"""Where attachment files live: a folder set by configuration (outside the database).

A small interface (put, get, delete) so an S3-compatible store could stand behind it;
only the folder store exists (no S3 server could be installed to test one against).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_KEY = re.compile(r"^[a-z0-9]{2}/[a-z0-9-]{8,80}\.(jpg|png|pdf)$")


class FolderStore:
    """Files under one folder; keys are "ab/<name>.<ext>", checked so none escapes it."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a file key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        """Write a new file whole: a reader never sees half of it (temp file, then rename)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """The file's bytes (FileNotFoundError when gone)."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file, if it is there."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether the file is there."""
        return self._path(key).exists()
