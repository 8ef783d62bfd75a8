"""Registry readers (http(s), folders) and the disk cache: keys checked before any request or file access, every
body read capped by the kind of object, folders confined (realpath inside, O_NOFOLLOW)."""

from __future__ import annotations

import hashlib
import os
import random
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException, HTTPResponse
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Protocol

from .errors import InvalidBundleError, NetworkError
from .names import BodyLimit, body_limit_of, check_key, format_bytes

if TYPE_CHECKING:
    from .s3 import S3Reader


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    etag: str


@dataclass(frozen=True)
class Revalidation:
    status: Literal["changed", "unchanged", "missing"]
    obj: StoredObject | None = None


class Reader(Protocol):
    url: str

    def get(self, key: str) -> StoredObject | None: ...

    def get_if_changed(self, key: str, etag: str | None) -> Revalidation: ...


def _too_big(key: str, limit: BodyLimit) -> InvalidBundleError:
    return InvalidBundleError(key, f"the {limit.kind} is larger than its limit of {format_bytes(limit.bytes)}")


def read_capped(stream: IO[bytes] | HTTPResponse, key: str, limit: BodyLimit) -> bytes:
    """Reads at most limit + 1 bytes, in chunks: an oversize body is refused after one byte past the limit."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(1 << 20, limit.bytes + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        chunks.append(chunk)
        if total > limit.bytes:
            raise _too_big(key, limit)
    return b"".join(chunks)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are followed to http(s) only, within the retry budget of urllib's default (10)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpReader:
    """Reads a registry over http(s): a bucket's public URL, a CDN, `promptsync serve`. 404 and 403 are absent;
    429, 5xx and network errors are retried with jittered exponential backoff."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, retries: int = 2, backoff: float = 0.1) -> None:
        self.url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._opener = urllib.request.build_opener(_NoRedirect())

    def object_url(self, key: str) -> str:
        return self.url + "/".join(urllib.parse.quote(segment, safe="!~*'()") for segment in check_key(key).split("/"))

    def get(self, key: str) -> StoredObject | None:
        result = self.get_if_changed(key, None)
        return result.obj if result.status == "changed" else None

    def get_if_changed(self, key: str, etag: str | None) -> Revalidation:
        url = self.object_url(key)
        limit = body_limit_of(key)
        attempt = 0
        while True:
            request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    length = response.headers.get("Content-Length")
                    if length is not None and length.isdigit() and int(length) > limit.bytes:
                        raise _too_big(key, limit)
                    body = read_capped(response, key, limit)
                    return Revalidation("changed", StoredObject(body, response.headers.get("ETag") or etag_of(body)))
            except urllib.error.HTTPError as error:
                error.close()
                if error.code == 304:
                    return Revalidation("unchanged")
                if error.code in (403, 404):
                    return Revalidation("missing")
                if (error.code == 429 or error.code >= 500) and attempt < self.retries:
                    attempt = self._wait(attempt)
                    continue
                raise NetworkError(url, f"The registry answered {error.code} {error.reason}", error.code) from None
            except (urllib.error.URLError, HTTPException, OSError, TimeoutError) as error:
                if attempt < self.retries:
                    attempt = self._wait(attempt)
                    continue
                reason = getattr(error, "reason", None) or error
                raise NetworkError(url, f"The registry could not be reached: {reason}") from None

    def _wait(self, attempt: int) -> int:
        time.sleep(self.backoff * (2**attempt) * (0.5 + random.random()))
        return attempt + 1


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class ConfinedFolder:
    """Files below one folder: symbolic links that leave it are neither read nor written through."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.abspath(root)

    def real_root(self) -> str:
        return os.path.realpath(self.root)

    def read(self, key: str, path: str, limit: BodyLimit) -> bytes | None:
        """The file's bytes; None when missing. A link out of the folder or an oversize file is INVALID_BUNDLE."""
        real = os.path.realpath(path)
        if not _inside(real, self.real_root()):
            if not os.path.lexists(path):
                return None
            raise InvalidBundleError(key, "it is a symbolic link out of the folder")
        try:
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            return None
        except OSError as error:
            if error.errno == 40:  # ELOOP: swapped for a link after the check
                raise InvalidBundleError(key, "it is a symbolic link out of the folder") from None
            raise
        with os.fdopen(fd, "rb") as stream:
            stat = os.fstat(stream.fileno())
            if (stat.st_mode & 0o170000) != 0o100000:
                return None
            if stat.st_size > limit.bytes:
                raise _too_big(key, limit)
            return read_capped(stream, key, limit)

    def prepare_folder(self, folder: str) -> bool:
        """Creates `folder` below the root one segment at a time; False when a segment leads out of the root
        through a link (nothing is created there)."""
        os.makedirs(self.root, exist_ok=True)
        root = self.real_root()
        rel = os.path.relpath(folder, self.root)
        if rel.startswith(".."):
            return False
        current = self.root
        for part in [] if rel == "." else rel.split(os.sep):
            current = os.path.join(current, part)
            if not os.path.lexists(current):
                try:
                    os.mkdir(current)
                except FileExistsError:
                    pass
            if not _inside(os.path.realpath(current), root) or not os.path.isdir(current):
                return False
        return True


class FolderReader:
    """A folder registry (a path or file://), read-only."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.folder = ConfinedFolder(root)
        self.url = Path(self.folder.root).as_uri() + "/"

    def _path(self, key: str) -> str:
        check_key(key)
        segments = key.split("/")
        if any(s.startswith(".") for s in segments):
            raise InvalidBundleError(key, 'a folder registry key has no segment starting with "."')
        return os.path.join(self.folder.root, *segments)

    def get(self, key: str) -> StoredObject | None:
        body = self.folder.read(key, self._path(key), body_limit_of(key))
        return None if body is None else StoredObject(body, etag_of(body))

    def get_if_changed(self, key: str, etag: str | None) -> Revalidation:
        obj = self.get(key)
        if obj is None:
            return Revalidation("missing")
        if etag is not None and obj.etag == etag:
            return Revalidation("unchanged")
        return Revalidation("changed", obj)


def open_reader(
    registry: str, cwd: str, *, timeout: float, retries: int, s3: Mapping[str, str] | None = None
) -> HttpReader | FolderReader | S3Reader:
    parsed = urllib.parse.urlsplit(registry)
    if parsed.scheme in ("http", "https"):
        return HttpReader(registry, timeout=timeout, retries=retries)
    if registry[:5].lower() == "s3://":
        from .s3 import S3Reader

        return S3Reader(registry, options=s3, timeout=timeout, retries=retries)
    if registry[:7].lower() == "file://":
        # file://relative/path is common in configs (URL parsing would take "relative" as a host), as in TypeScript.
        rest = registry[7:]
        if rest.startswith("/"):
            return FolderReader(urllib.request.url2pathname(urllib.parse.urlsplit("file://" + rest).path))
        return FolderReader(os.path.join(cwd, urllib.parse.unquote(rest)))
    if parsed.scheme and len(parsed.scheme) > 1:
        from .errors import ConfigError

        raise ConfigError(
            f"Registry {registry!r}: the Python SDK reads http(s)://, s3:// (the s3 extra), file:// and folders"
        )
    return FolderReader(os.path.join(cwd, registry))


class DiskCache:
    """Verified registry objects across restarts, one folder per registry. Writes go to a temporary file that is
    renamed into place, so a crash never leaves a partial entry under its name; reads are checked again by the
    caller. Best effort: a cache that cannot be written never fails the app."""

    def __init__(self, cache_dir: str | os.PathLike[str], registry_url: str) -> None:
        self.folder = ConfinedFolder(cache_dir)
        self.base = os.path.join(self.folder.root, hashlib.sha256(registry_url.encode()).hexdigest()[:16])

    def _path(self, key: str) -> str:
        return os.path.join(self.base, *check_key(key).split("/"))

    def read(self, key: str, limit: BodyLimit | None = None) -> bytes | None:
        try:
            return self.folder.read(key, self._path(key), limit or body_limit_of(key))
        except Exception:  # noqa: BLE001 - an unreadable entry is simply not cached
            return None

    def write(self, key: str, body: bytes) -> None:
        temp: str | None = None
        try:
            target = self._path(key)
            if not self.folder.prepare_folder(os.path.dirname(target)):
                return
            temp = f"{target}.{secrets.token_hex(6)}.tmp"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            with os.fdopen(fd, "wb") as stream:
                stream.write(body)
            os.replace(temp, target)
            temp = None
        except Exception:  # noqa: BLE001, S110 - best effort
            pass
        finally:
            if temp is not None:
                try:
                    os.unlink(temp)
                except OSError:
                    pass

    def discard(self, key: str) -> None:
        try:
            target = self._path(key)
            if _inside(os.path.realpath(os.path.dirname(target)), self.folder.real_root()):
                os.unlink(target)
        except Exception:  # noqa: BLE001, S110 - nothing there, or nothing this cache may touch
            pass
