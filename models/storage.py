"""Where uploaded bytes live: a local directory outside the web root, or an S3-compatible bucket.

Rows in the database (lead files, business cards) keep only an opaque storage
key; the bytes are written once under that key and never overwritten or
removed through the product (records are archived, not deleted).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class FileStore(Protocol):
    """Write and read bytes by key."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under the new ``key``."""

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key`` (``FileNotFoundError`` when missing)."""


def new_storage_key() -> str:
    """A random key: never derived from a user's file name."""
    return secrets.token_urlsafe(24)


def _checked(key: str) -> str:
    """Refuse anything but our own random keys (no path can sneak in)."""
    if not _KEY.match(key or ""):
        raise ValueError("invalid storage key")
    return key


class LocalFileStore:
    """Files in a directory, two levels of fan-out: ``ab/cd/abcd…``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file (exclusive create: a key is never reused)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:
            handle.write(data)

    def get(self, key: str) -> bytes:
        """Read the file back."""
        return self._path(key).read_bytes()


class S3FileStore:
    """An S3-compatible bucket (AWS S3, MinIO, …) through boto3."""

    def __init__(self, bucket: str, client) -> None:
        self.bucket = bucket
        self.client = client

    @classmethod
    def from_config(cls, config) -> S3FileStore:
        """Build the client from ``FILES_S3_*`` settings (credentials from the environment)."""
        import boto3  # optional dependency: pip install leadshare[s3]

        client = boto3.client(
            "s3",
            endpoint_url=config.get("FILES_S3_ENDPOINT_URL") or None,
            region_name=config.get("FILES_S3_REGION") or None,
        )
        return cls(config["FILES_S3_BUCKET"], client)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload the object."""
        self.client.put_object(
            Bucket=self.bucket, Key=_checked(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        """Download the object."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=_checked(key))
        except self.client.exceptions.NoSuchKey as err:
            raise FileNotFoundError(key) from err
        return response["Body"].read()


def file_store() -> FileStore:
    """The store configured for the running app (``FILES_S3_BUCKET`` or ``FILES_DIR``)."""
    config = current_app.config
    if config.get("FILES_S3_BUCKET"):
        store = current_app.extensions.get("leadshare_s3_store")
        if store is None:
            store = S3FileStore.from_config(config)
            current_app.extensions["leadshare_s3_store"] = store
        return store
    root = config.get("FILES_DIR") or os.path.join(current_app.instance_path, "files")
    return LocalFileStore(root)
