"""A real S3-protocol server (moto, over HTTP on loopback) and media stored in its bucket.

A test module binds the fixtures it uses: ``s3_server, s3_media = s3.s3_server, s3.s3_media``.
"""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.storage import Storage, storages
from moto.server import ThreadedMotoServer

BUCKET = "studio-media"  # S3 wants a DNS-like name
REGION = "eu-west-1"
ACCESS_KEY, SECRET_KEY = "studio-test-key", "studio-test-secret"
SETTINGS = Path(__file__).resolve().parent.parent / "studio" / "settings.py"


@dataclass(frozen=True)
class S3:
    endpoint: str
    storage: dict  # STORAGES["default"] as settings.py builds it from the AWS_* variables
    client: Any
    media: Storage  # one S3Storage for the session: a boto3 session costs ~0.3 s to make

    def object_keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=BUCKET)
        return sorted(entry["Key"] for entry in listed.get("Contents", ()))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def empty(self) -> None:
        for key in self.object_keys():
            self.client.delete_object(Bucket=BUCKET, Key=key)


def storage_from_settings(endpoint: str, data_dir: Path) -> dict:
    """The default storage settings.py configures when an operator sets the DESIGN §4 variables
    (run as a fresh module, so Django's loaded settings are left alone)."""
    environment = {
        "STUDIO_DATA_DIR": str(data_dir),
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_S3_REGION_NAME": REGION,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))["STORAGES"]["default"]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3]:
    """One moto server and bucket for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    storage = storage_from_settings(endpoint, tmp_path_factory.mktemp("s3-settings"))
    try:
        yield S3(endpoint, storage, client, storages.create_storage(storage))
    finally:
        server.stop()


@pytest.fixture
def s3_media(s3_server: S3, settings, tmp_path) -> Iterator[S3]:
    """Media in the (emptied) bucket for this test; MEDIA_ROOT keeps only download temp files.

    Every FileField is bound to the lazy default_storage. Changing STORAGES through the
    `settings` fixture sends setting_changed, whose Django handler (storages_changed) empties
    the storages cache and default_storage's wrapped instance; the session's S3Storage then goes
    in that cache, so default_storage wraps it on its next use. The fixture's undo sends the
    signal again: the filesystem storage comes back.
    """
    s3_server.empty()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage}
    storages._storages["default"] = s3_server.media
    yield s3_server
    s3_server.empty()
