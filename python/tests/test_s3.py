"""s3:// registries through boto3 against the repository's Ceph RGW (scripts/s3-server.sh): reading, revalidation,
and the registry telemetry sink writing into the bucket, read by the CLI's analytics. Without a server the tests
are skipped, except under CI=true, where a missing server fails."""

from __future__ import annotations

import gzip
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from promptsync import PromptManager

from .conftest import CONFORMANCE
from .test_telemetry import COMMIT, SCHEMA, Expected, cli, send_traffic

ENDPOINT = os.environ.get("PROMPTSYNC_TEST_S3_ENDPOINT")
ACCESS_KEY = os.environ.get("PROMPTSYNC_TEST_S3_ACCESS_KEY_ID", "")
SECRET_KEY = os.environ.get("PROMPTSYNC_TEST_S3_SECRET_ACCESS_KEY", "")
REGION = os.environ.get("PROMPTSYNC_TEST_S3_REGION", "us-east-1")

if ENDPOINT is None and os.environ.get("CI") == "true":
    raise RuntimeError('CI=true needs an S3-compatible server: eval "$(scripts/s3-server.sh start)" starts Ceph RGW and prints its variables')
pytestmark = pytest.mark.skipif(ENDPOINT is None, reason='no S3 server: eval "$(scripts/s3-server.sh start)" and set PROMPTSYNC_TEST_S3_*')


def aws_env() -> dict[str, str]:
    assert ENDPOINT is not None
    return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION, "AWS_ENDPOINT_URL_S3": ENDPOINT}


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """A new bucket holding the conformance registry under registry/, and the AWS environment the SDK reads."""
    for name, value in aws_env().items():
        monkeypatch.setenv(name, value)
    from promptsync.s3 import s3_client

    client = s3_client(None, os.environ, 10, 2)
    name = f"ps-py-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=name)
    root = CONFORMANCE / "registry"
    for path in root.rglob("*"):
        if path.is_file():
            client.put_object(Bucket=name, Key="registry/" + path.relative_to(root).as_posix(), Body=path.read_bytes())
    yield name, client


def objects(client: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return sorted(keys)


def test_an_s3_registry_is_read_and_revalidated_like_a_folder(bucket: tuple[str, Any], tmp_path: Path) -> None:
    name, client = bucket
    folder = PromptManager(registry=str(CONFORMANCE / "registry"), project="conformance", refresh_interval=0)
    with PromptManager(registry=f"s3://{name}/registry", project="conformance", refresh_interval=0, cache_dir=str(tmp_path / "cache")) as pm:
        for key in ("user-0", "user-1"):
            served = pm.get_prompt("customer_support", version_or_alias="production", tags={"locale": "en", "tone": "formal"}, canary_key=key)
            expected = folder.get_prompt("customer_support", version_or_alias="production", tags={"locale": "en", "tone": "formal"}, canary_key=key)
            assert (served.version, served.variant, served.canary, served.hash, served.source) == (
                expected.version,
                expected.variant,
                expected.canary,
                expected.hash,
                "network",
            )
            assert served.format(company_name="A", customer_name="B", issue="C") == expected.format(company_name="A", customer_name="B", issue="C")
        pm.refresh()  # a conditional GET: unchanged
        assert pm.get_prompt("greeting", version_or_alias="dev").source in ("network", "memory")
        assert pm.diff("greeting", "v0.1.0", "v0.2.0")["status"] == "changed"
    folder.close()


def test_the_registry_sink_writes_into_the_bucket_and_analytics_reads_it(bucket: tuple[str, Any], tmp_path: Path) -> None:
    name, client = bucket
    registry = f"s3://{name}/registry"
    expected = Expected()
    for i in range(2):
        with PromptManager(
            registry=registry, project="conformance", refresh_interval=0, client_id=f"py-s3-{i}", app_commit=COMMIT, telemetry={"flush_interval": 0}
        ) as pm:
            send_traffic(pm, 120 + 30 * i, expected, i)
            pm.flush_telemetry()
            send_traffic(pm, 50, expected, i + 10)
        stats = pm.telemetry_stats()
        assert stats is not None and (stats.buffered, stats.dropped, stats.failed_flushes) == (0, 0, 0), stats
    batches = objects(client, name, "registry/telemetry/conformance/events/")
    assert len(batches) == 4
    events = [
        json.loads(line)
        for key in batches
        for line in gzip.decompress(client.get_object(Bucket=name, Key=key)["Body"].read()).decode("utf-8").splitlines()
    ]
    for event in events:
        SCHEMA.validate(event)
    assert sum(e["count"] for e in events if e["type"] == "usage") == sum(g["calls"] for g in expected.groups.values())
    assert objects(client, name, "registry/telemetry/conformance/clients/") == [
        "registry/telemetry/conformance/clients/py-s3-0.json",
        "registry/telemetry/conformance/clients/py-s3-1.json",
    ]
    head = client.head_object(Bucket=name, Key=batches[0])
    assert head["CacheControl"] == "private, no-store"

    report = cli(tmp_path, "analytics", "build", "--registry", registry, "--project", "conformance", env=aws_env())
    assert report["objects"] == 4 and report["malformedLines"] == 0, report
    table = cli(tmp_path, "analytics", "greeting", "--registry", registry, "--project", "conformance", env=aws_env())
    assert table["rows"] == expected.rows()
