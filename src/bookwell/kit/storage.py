"""Where uploaded files go: a folder in DATA_DIR, or an S3-compatible bucket."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import anyio
import boto3
from botocore.config import Config as BotoConfig

from bookwell.config import Settings, reveal

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MEDIA_PREFIX = "/media"


class FileStorage(Protocol):
    async def save(self, key: str, data: bytes, content_type: str) -> None: ...

    async def delete(self, key: str) -> None: ...

    def url(self, key: str) -> str: ...


class LocalStorage:
    """Files under DATA_DIR/uploads, served by the app at /media/<key>; their URLs
    start with PUBLIC_URL (never with a request's Host header, which anyone can set)."""

    def __init__(self, root: Path, public_base: str) -> None:
        self.root = root
        self.public_base = public_base

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("storage key escapes the upload folder")
        return path

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        await anyio.Path(path).write_bytes(data)

    async def delete(self, key: str) -> None:
        await anyio.Path(self._path(key)).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return f"{self.public_base}{MEDIA_PREFIX}/{key}"


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, R2, ...)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.s3_bucket is not None
        self.bucket = settings.s3_bucket
        self.public_url = settings.s3_public_url
        self.endpoint_url = settings.s3_endpoint_url
        self.client: S3Client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=reveal(settings.s3_secret_access_key),
            config=BotoConfig(retries={"max_attempts": 3, "mode": "standard"}),
        )

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        await anyio.to_thread.run_sync(
            lambda: self.client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
            )
        )

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(
            lambda: self.client.delete_object(Bucket=self.bucket, Key=key)
        )

    def url(self, key: str) -> str:
        if self.public_url:
            return f"{self.public_url.rstrip('/')}/{key}"
        if self.endpoint_url:
            return f"{self.endpoint_url.rstrip('/')}/{self.bucket}/{key}"
        return f"https://{self.bucket}.s3.amazonaws.com/{key}"


def create_storage(settings: Settings) -> FileStorage:
    if settings.s3_bucket:
        return S3Storage(settings)
    return LocalStorage(settings.uploads_dir, settings.public_base)
