"""Where the bytes live: a local directory by default, an S3-compatible bucket when configured."""

from __future__ import annotations

import io

import pytest

from models.storage import LocalFileStore, S3FileStore, file_store, new_storage_key


def test_the_local_store_keeps_files_under_random_keys(tmp_path):
    """Written once, read back; a key is never reused and never a path."""
    store = LocalFileStore(tmp_path)
    key = new_storage_key()
    store.put(key, b"hello", "application/pdf")
    assert store.get(key) == b"hello"
    with pytest.raises(FileExistsError):
        store.put(key, b"other", "application/pdf")
    for bad in ("../../etc/passwd", "a/b", ""):
        with pytest.raises(ValueError):
            store.get(bad)


def test_the_default_directory_is_configurable(app, tmp_path):
    """FILES_DIR chooses the directory (the tests use a temporary one)."""
    app.config["FILES_DIR"] = str(tmp_path / "elsewhere")
    store = file_store()
    key = new_storage_key()
    store.put(key, b"x", "image/png")
    assert list((tmp_path / "elsewhere").rglob(key))


def test_an_s3_bucket_is_used_when_configured(app):
    """With FILES_S3_BUCKET set, bytes go to the bucket through boto3 (stubbed here)."""
    boto3 = pytest.importorskip("boto3")
    from botocore.response import StreamingBody
    from botocore.stub import Stubber

    client = boto3.client(
        "s3",
        region_name="ap-northeast-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",  # noqa: S106
    )
    store = S3FileStore("leadshare-files", client)
    key = new_storage_key()
    with Stubber(client) as stub:
        stub.add_response(
            "put_object",
            {},
            {
                "Bucket": "leadshare-files",
                "Key": key,
                "Body": b"pdf",
                "ContentType": "application/pdf",
            },
        )
        stub.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(b"pdf"), 3)},
            {"Bucket": "leadshare-files", "Key": key},
        )
        store.put(key, b"pdf", "application/pdf")
        assert store.get(key) == b"pdf"
    app.config["FILES_S3_BUCKET"] = "leadshare-files"
    app.extensions["leadshare_s3_store"] = store
    assert file_store() is store
