"""Stored media read the same way on this disk or in an S3-compatible bucket, never whole.

Media live in Django's default storage: FileSystemStorage under MEDIA_ROOT, or django-storages'
S3Storage when AWS_STORAGE_BUCKET_NAME is set. S3Storage's own ``open()`` downloads the whole
object before the first read (into memory, unless AWS_S3_MAX_MEMORY_SIZE is set), so a file in a
bucket is read here through GETs of the bytes asked for: one bounded ranged GET to serve a
range, one streaming GET to read front to back, another from the new place after a seek.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple, cast

from botocore.exceptions import ClientError
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from studio.ranges import CHUNK, iter_stream


@dataclass(frozen=True)
class Stat:
    size: int
    mtime: float  # seconds since the epoch


def local_path(storage: Storage, name: str) -> Path | None:
    """The file's path on this disk; None when the storage is not a filesystem."""
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


def in_bucket(storage: Storage) -> bool:
    # default_storage is a LazyObject: isinstance sees the class of the storage it wraps.
    return isinstance(storage, S3Storage)


def bucket_key(storage: S3Storage, name: str) -> str:
    """The object key S3Storage's own methods use for `name` (its `location` prefix included)."""
    return storage._normalize_name(clean_name(name))


def _object(storage: Storage, name: str) -> Any:
    bucket = cast(S3Storage, storage)
    # `connection` is a boto3 resource of this thread's own (resources are not thread-safe);
    # the storage's cached `bucket` is shared by every thread, so it is not used here.
    return bucket.connection.Object(bucket.bucket_name, bucket_key(bucket, name))


def _missing(error: ClientError) -> bool:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


def _loaded(storage: Storage, name: str) -> Any:
    """The object with its size, time and ETag read (one HEAD); FileNotFoundError if absent."""
    obj = _object(storage, name)
    try:
        obj.load()
    except ClientError as error:
        if _missing(error):
            raise FileNotFoundError(f"{name} is not in the bucket") from None
        raise
    return obj


def _located(stored: FieldFile) -> tuple[Storage, str]:
    if not stored.name:
        raise FileNotFoundError("no file is stored here yet")
    return stored.storage, stored.name


def stat(stored: FieldFile) -> Stat:
    """The stored file's size and modification time; FileNotFoundError when it is not there."""
    storage, name = _located(stored)
    path = local_path(storage, name)
    if path is not None:
        found = path.stat()
        return Stat(found.st_size, found.st_mtime)
    if in_bucket(storage):
        obj = _loaded(storage, name)
        return Stat(obj.content_length, obj.last_modified.timestamp())
    return Stat(storage.size(name), storage.get_modified_time(name).timestamp())


def open_stored(stored: FieldFile) -> IO[bytes]:
    """The stored file opened for reading (seekable); FileNotFoundError when it is not there."""
    storage, name = _located(stored)
    path = local_path(storage, name)
    if path is not None:
        return path.open("rb")
    if in_bucket(storage):
        return io.BufferedReader(_BucketReader(_loaded(storage, name)), CHUNK)
    return cast(IO[bytes], storage.open(name, "rb"))


def iter_range(stored: FieldFile, start: int, length: int) -> Iterator[bytes]:
    """`length` bytes of the stored file from `start`, in chunks of at most CHUNK bytes."""
    storage, name = _located(stored)
    if in_bucket(storage) and length > 0:
        # Bounded: the bucket sends no more than asked, even if the client goes away.
        body = _object(storage, name).get(Range=f"bytes={start}-{start + length - 1}")["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()
        return
    with open_stored(stored) as handle:
        yield from iter_stream(handle, start, length)


class BucketFile(NamedTuple):
    name: str  # as the storage names it (without its location prefix)
    size: int
    mtime: float
    s3_object: Any  # the boto3 Object, to GET


def bucket_files(storage: Storage) -> Iterator[BucketFile]:
    """Every file in the storage's bucket (under its location), by listing it."""
    bucket = cast(S3Storage, storage)
    prefix = bucket_key(bucket, "")  # "" or "<location>/"
    for summary in bucket.connection.Bucket(bucket.bucket_name).objects.filter(Prefix=prefix):
        if summary.key.endswith("/"):
            continue  # a "folder" some tools create: no file of ours
        name, mtime = summary.key[len(prefix) :], summary.last_modified.timestamp()
        yield BucketFile(name, summary.size, mtime, summary.Object())


def upload(storage: Storage, name: str, path: Path) -> None:
    """Put a local file in the bucket under `name`, replacing what is there (a restore)."""
    _object(storage, name).upload_file(str(path))


class _BucketReader(io.RawIOBase):
    """An object read front to back through one streaming GET; a seek starts another there.

    Each GET carries If-Match with the ETag first seen: an object replaced while it is read
    fails the read rather than mixing two versions.
    """

    def __init__(self, obj: Any) -> None:
        self._obj = obj
        self._size: int = obj.content_length
        self._etag: str = obj.e_tag
        self._position = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        if base + offset != self._position:
            self._drop()
            self._position = base + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._size:
            return 0
        if self._body is None:
            # No Range from the start: a bucket answers 416 to "bytes=0-" of an empty object.
            ranged = {"Range": f"bytes={self._position}-"} if self._position else {}
            self._body = self._obj.get(IfMatch=self._etag, **ranged)["Body"]
        data = self._body.read(len(buffer))
        if not data:
            raise OSError(f"{self._obj.key}: the bucket sent less than its size")
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _drop(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop()
        super().close()
