"""Ed25519 verification of signed registries (src/signing/, sdk/verifier.ts, sdk/trusted-keys.ts): the same key IDs,
the same signed bytes (canonical JSON without `signatures`), the same checks and rollback protection."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from .canonical import canonical_json, release_hash, sha256_text
from .codec import decode_json
from .errors import ConfigError, SignatureInvalidError
from .names import layout
from .storage import DiskCache

PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----")
KEY_ID = re.compile(r"[0-9a-f]{32}")


def key_id_of(key: Ed25519PublicKey) -> str:
    der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:32]


def public_key_from_pem(pem: str, what: str) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        raise ConfigError(f"{what} is not a PEM public key (SPKI, as promptsync keys generate writes)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{what} is not an Ed25519 key; PromptSync signs with Ed25519 (promptsync keys generate)")
    return key


def _split_key_list(text: str) -> list[str]:
    pems = PEM_BLOCK.findall(text)
    rest = [e.strip() for e in re.split(r"[,\n]", PEM_BLOCK.sub(",", text)) if e.strip()]
    return pems + rest


def _key_from_entry(entry: object, option: str, cwd: str) -> Ed25519PublicKey:
    if not isinstance(entry, str):
        raise ConfigError(f"PromptManager option `{option}` must be a PEM public key or a file path, not {type(entry).__name__}")
    pem = entry
    if "-----BEGIN" not in entry:
        try:
            with open(os.path.join(cwd, entry), encoding="utf-8") as f:
                pem = f.read(64 * 1024)
        except OSError as e:
            raise ConfigError(f"PromptManager option `{option}`: cannot read the key file {entry} ({e.strerror})") from None
    return public_key_from_pem(pem, f"PromptManager option `{option}`")


class TrustedKeys:
    """The keys a reader trusts, by key ID; revoked IDs are never accepted, even when also listed as trusted."""

    def __init__(self, keys: Iterable[Ed25519PublicKey], revoked: Iterable[str] = ()) -> None:
        self.revoked = frozenset(revoked)
        self.keys: dict[str, Ed25519PublicKey] = {}
        for key in keys:
            kid = key_id_of(key)
            if kid not in self.revoked:
                self.keys[kid] = key

    @property
    def ids(self) -> list[str]:
        return list(self.keys)

    def verify(self, key_id: str, data: bytes, signature: str) -> bool:
        key = self.keys.get(key_id)
        if key is None:
            return False
        try:
            key.verify(base64.b64decode(signature, validate=True), data)
            return True
        except (InvalidSignature, binascii.Error, ValueError):
            return False


def resolve_trusted_keys(
    trusted: Sequence[str] | None, revoked: Sequence[str] | None, env: Mapping[str, str], cwd: str
) -> TrustedKeys | None:
    trusted_option = "PROMPTSYNC_TRUSTED_KEYS" if trusted is None else "trusted_keys"
    revoked_option = "PROMPTSYNC_REVOKED_KEYS" if revoked is None else "revoked_keys"
    if trusted is None and env.get("PROMPTSYNC_TRUSTED_KEYS"):
        trusted = _split_key_list(env["PROMPTSYNC_TRUSTED_KEYS"])
    if revoked is None:
        revoked = _split_key_list(env["PROMPTSYNC_REVOKED_KEYS"]) if env.get("PROMPTSYNC_REVOKED_KEYS") else []
    if trusted is None:
        if revoked:
            raise ConfigError(f"PromptManager option `{revoked_option}` is set without trusted keys")
        return None
    if isinstance(trusted, str) or len(trusted) == 0:
        raise ConfigError(f"PromptManager option `{trusted_option}` must list at least one public key (a PEM or the path of a .pub file)")
    revoked_ids = [
        e if isinstance(e, str) and KEY_ID.fullmatch(e) else key_id_of(_key_from_entry(e, f"{revoked_option}[{i}]", cwd))
        for i, e in enumerate(revoked)
    ]
    trust = TrustedKeys((_key_from_entry(e, f"{trusted_option}[{i}]", cwd) for i, e in enumerate(trusted)), revoked_ids)
    if not trust.keys:
        raise ConfigError(f"Every key in PromptManager option `{trusted_option}` is revoked: nothing could be verified")
    return trust


def _signed_bytes(value: Mapping[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in value.items() if k != "signatures"}).encode("utf-8", "surrogatepass")


def check_signatures(value: Mapping[str, Any], trust: TrustedKeys) -> str | None:
    """None when a trusted key signed `value`, else the problem."""
    signatures = value.get("signatures")
    if not signatures:
        return "it is not signed"
    data = _signed_bytes(value)
    for sig in signatures:
        if trust.verify(str(sig.get("keyid")), data, str(sig.get("sig"))):
            return None
    ids = ", ".join(str(s.get("keyid")) for s in signatures)
    if any(str(s.get("keyid")) in trust.revoked for s in signatures):
        return f"its signature is by a revoked key ({ids})"
    return f"no signature by a trusted key verifies (signed by {ids})"


def _parse_time(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    return sha256_text(canonical_json(manifest))


class Verifier:
    """A manager's checks against its trusted keys, remembering the highest revision of each alias verified (in
    memory and in the disk cache), so that a replayed older pointer is refused."""

    def __init__(self, trust: TrustedKeys, project: str, disk: DiskCache | None) -> None:
        self.trust = trust
        self.project = project
        self.disk = disk
        self.revisions: dict[str, int] = {}
        self.refusals = 0
        self._lock = threading.Lock()

    def refuse(self, key: str, problem: str) -> SignatureInvalidError:
        with self._lock:
            self.refusals += 1
        return SignatureInvalidError(key, problem)

    def alias(self, key: str, pointer: Mapping[str, Any], alias: str, now: float) -> None:
        if pointer.get("project") != self.project or pointer.get("alias") != alias:
            raise self.refuse(key, f"it is the pointer of {pointer.get('project')}/{pointer.get('alias')}, not {self.project}/{alias}")
        problem = check_signatures(pointer, self.trust)
        if problem:
            raise self.refuse(key, problem)
        expires = pointer.get("expires")
        if expires is not None:
            at = _parse_time(str(expires))
            if at is None or not at > now:
                raise self.refuse(key, f"its signature expired at {expires} (re-sign with promptsync alias refresh-signatures)")
        revision = int(pointer.get("revision", 0))
        with self._lock:
            highest = self.revisions.get(key)
            if highest is None:
                highest = self._disk_revision(key)
                self.revisions[key] = highest
            if revision < highest:
                self.refusals += 1
                raise SignatureInvalidError(
                    key, f"its revision {revision} is older than revision {highest}, already verified: a replayed pointer"
                )
            if revision > highest:
                self.revisions[key] = revision
                if self.disk:
                    self.disk.write(f"_revisions/{key}", str(revision).encode())

    def _disk_revision(self, key: str) -> int:
        if not self.disk:
            return 0
        from .names import BodyLimit

        raw = self.disk.read(f"_revisions/{key}", BodyLimit("verified revision", 64))
        try:
            return int(raw.decode()) if raw else 0
        except ValueError:
            return 0

    def index(self, key: str, index: Mapping[str, Any]) -> None:
        if index.get("project") != self.project:
            raise self.refuse(key, f"it is the index of {index.get('project')}, not {self.project}")
        problem = check_signatures(index, self.trust)
        if problem:
            raise self.refuse(key, problem)

    def release_signature_keys(self, version: str) -> list[str]:
        return [layout.release_signature(self.project, version, kid) for kid in self.trust.ids]

    def release(self, key: str, manifest: Mapping[str, Any], version: str, signatures: Sequence[bytes | None]) -> int:
        """The index of the first signature object a trusted key made of exactly this manifest."""
        if manifest.get("project") != self.project or manifest.get("version") != version:
            raise self.refuse(
                key, f"it is the manifest of {manifest.get('project')} {manifest.get('version')}, not {self.project} {version}"
            )
        if manifest.get("releaseHash") != release_hash(manifest.get("prompts", {})):
            raise self.refuse(key, "its releaseHash does not match its prompts")
        problems: list[str] = []
        digest = manifest_digest(manifest)
        for i, (sig_key, body) in enumerate(zip(self.release_signature_keys(version), signatures, strict=False)):
            if body is None:
                continue
            try:
                signature = decode_json(body, sig_key, "release-signature.schema.json")
            except Exception as e:  # noqa: BLE001
                problems.append(str(e))
                continue
            if signature.get("project") != self.project or signature.get("version") != version:
                problems.append(f"{sig_key}: the signature is for {signature.get('project')} {signature.get('version')}")
            elif signature.get("manifest") != digest:
                problems.append(f"{sig_key}: the signature is of another manifest")
            else:
                problem = check_signatures(signature, self.trust)
                if problem is None:
                    return i
                problems.append(f"{sig_key}: {problem}")
        raise self.refuse(
            key, "; ".join(problems) if problems else f"no trusted key signed it (no {' or '.join(self.release_signature_keys(version))})"
        )
