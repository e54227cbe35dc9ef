"""Where attachment files live, outside the database: a folder, or an S3-compatible bucket.

Both stores offer the same small interface (put, get, delete, exists) and accept only keys
of the form the core makes, so no key names a place outside the store.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

_KEY = re.compile(r"^[a-z0-9]{2}/[a-z0-9-]{8,80}\.(jpg|png|pdf)$")


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a file key: {key!r}")
    return key


class FolderStore:
    """Files under one folder; keys are "ab/<name>.<ext>", checked so none escapes it."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

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


class S3Store:
    """Files as objects of one bucket of an S3-compatible service (AWS S3, MinIO, Ceph...).

    Credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
    a profile, an instance role); never from this app's configuration.
    """

    def __init__(self, bucket: str, endpoint_url: str | None = None, prefix: str = "") -> None:
        import boto3  # only a deployment that chooses S3 needs it loaded

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url or None)

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, data: bytes) -> None:
        """Write a new object whole (S3 makes an object visible only once it is complete)."""
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)

    def get(self, key: str) -> bytes:
        """The object's bytes (FileNotFoundError when gone, as the folder store answers)."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(key) from exc
        return bytes(answer["Body"].read())

    def delete(self, key: str) -> None:
        """Remove the object, if it is there (S3 answers a missing one as deleted)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        """Whether the object is there."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def file_store(folder: str, bucket: str | None, endpoint_url: str | None) -> FolderStore | S3Store:
    """The configured store: the S3 bucket when one is named, else the folder."""
    if bucket:
        return S3Store(bucket, endpoint_url)
    return FolderStore(folder)
