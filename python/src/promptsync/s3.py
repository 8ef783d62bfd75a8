"""`s3://bucket/prefix` registries through boto3 (`pip install "promptsync[s3]"`): reading a registry, and the
registry telemetry sink writing into its bucket. Credentials come from where AWS SDKs look (the environment,
~/.aws, an instance role); the endpoint and region from the `s3` option, else AWS_ENDPOINT_URL_S3 / AWS_REGION."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .errors import ConfigError, NetworkError
from .names import body_limit_of, check_key
from .storage import Revalidation, StoredObject, read_capped

_MISSING = {"NoSuchKey", "404", "403", "AccessDenied", "NotFound", "NoSuchBucket"}


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` → (bucket, "prefix/")."""
    rest = url[5:]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ConfigError(f"Registry {url!r}: an s3:// registry is s3://bucket or s3://bucket/prefix")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def s3_client(options: Mapping[str, str] | None, env: Mapping[str, str], timeout: float, retries: int) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ConfigError(
            "s3:// registries need boto3", suggestion='pip install "promptsync[s3]", or read the bucket through its public URL.'
        ) from None
    options = options or {}
    endpoint = options.get("endpoint") or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
    region = options.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": retries + 1, "mode": "standard"},
        # Path-style for S3-compatible servers (Ceph RGW, MinIO); virtual-hosted for AWS itself.
        s3={"addressing_style": "path" if endpoint else "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region, config=config)


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "")) or str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return ""


class S3Reader:
    """Reads a registry in a bucket, with conditional GETs (If-None-Match) for revalidation. A missing object (or
    one the credentials may not read) is absent; anything else is a NetworkError."""

    def __init__(self, url: str, *, options: Mapping[str, str] | None = None, timeout: float = 10.0, retries: int = 2) -> None:
        self.bucket, self.prefix = parse_s3_url(url)
        self.url = f"s3://{self.bucket}/{self.prefix}"
        self.client = s3_client(options, os.environ, timeout, retries)

    def get(self, key: str) -> StoredObject | None:
        result = self.get_if_changed(key, None)
        return result.obj if result.status == "changed" else None

    def get_if_changed(self, key: str, etag: str | None) -> Revalidation:
        limit = body_limit_of(check_key(key))
        request: dict[str, Any] = {"Bucket": self.bucket, "Key": self.prefix + key}
        if etag:
            request["IfNoneMatch"] = etag
        try:
            response = self.client.get_object(**request)
            if int(response.get("ContentLength") or 0) > limit.bytes:
                response["Body"].close()
                from .storage import _too_big

                raise _too_big(key, limit)
            with response["Body"] as body:
                data = read_capped(body, key, limit)
            return Revalidation("changed", StoredObject(data, str(response.get("ETag") or "")))
        except Exception as error:
            code = _code(error)
            if code in ("304", "NotModified"):
                return Revalidation("unchanged")
            if code in _MISSING:
                return Revalidation("missing")
            if getattr(error, "code", None) == "INVALID_BUNDLE":
                raise
            raise NetworkError(self.url + key, f"The registry could not be read: {error}") from None


class S3Store:
    """The writes of the registry telemetry sink: batches under unique keys and the client's heartbeat pointer,
    private (`Cache-Control: private, no-store`), never public."""

    def __init__(self, reader: S3Reader) -> None:
        self._reader = reader

    def _put(self, key: str, body: bytes) -> None:
        content_type = "application/gzip" if key.endswith(".gz") else "application/json; charset=utf-8"
        self._reader.client.put_object(
            Bucket=self._reader.bucket,
            Key=self._reader.prefix + check_key(key),
            Body=body,
            ContentType=content_type,
            CacheControl="private, no-store",
        )

    def create(self, key: str, body: bytes) -> None:
        # Batch keys are unique (time, client, sequence, random suffix): a plain PUT never replaces another's.
        self._put(key, body)

    def put(self, key: str, body: bytes) -> None:
        self._put(key, body)

    def exists(self, key: str) -> bool:
        try:
            self._reader.client.head_object(Bucket=self._reader.bucket, Key=self._reader.prefix + key)
        except Exception as error:
            if _code(error) in _MISSING:
                return False
            raise
        return True
