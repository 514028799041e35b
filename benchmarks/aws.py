"""Many files with an AWS KMS key: ``rotate``, ``recipients add`` and ``updatekeys``, sealfile vs SOPS.

A local moto server stands for AWS KMS, behind the test suite's proxy (tests/fakes/aws_kms_proxy.py:
``TCP_NODELAY``, a per-request delay for endpoint latency, requests counted per operation and the
most held at once). Each file is sealed for the benchmark's age key and one KMS key, so both tools
open the data key locally and contact KMS only to wrap it for KMS recipients. SOPS changes one
file per process, so it runs as a shell loop (its only way); sealfile takes every file in one.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from measure import SOPS, Bench, Row, run_child, sealfile_cmd

import corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests.fakes

LATENCIES_MS = (0, 50)


@dataclass
class Kms:
    proxy: Any
    env: dict[str, str]
    arns: list[str]


@contextmanager
def local_kms(bench: Bench) -> Iterator[Kms]:
    """moto behind the counting, delaying proxy; three keys; an environment that reaches them."""
    import boto3
    from tests.fakes.aws_kms_proxy import KmsProxy, start_moto

    server, url = start_moto()
    proxy = KmsProxy(url).start()
    try:
        admin = boto3.client("kms", region_name="us-east-1", endpoint_url=url, aws_access_key_id="admin",
                             aws_secret_access_key="admin")
        arns = [admin.create_key()["KeyMetadata"]["Arn"] for _ in range(3)]
        env = dict(bench.env, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1",
                   AWS_ENDPOINT_URL=proxy.url, AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        yield Kms(proxy, env, arns)
    finally:
        proxy.stop()
        server.stop()


@dataclass
class Side:
    """One tool's copy of the files: the sealed originals and the working copies each run changes."""

    originals: list[Path]
    files: list[Path]

    def reset(self) -> None:
        for original, path in zip(self.originals, self.files, strict=True):
            shutil.copyfile(original, path)


def _sides(bench: Bench, kms: Kms, count: int, size: int) -> tuple[Side, Side]:
    plain = bench.work / f"aws-plain-{size}.yaml"
    plain.write_text(corpus.plaintext(size))
    sides = []
    for tool in ("ours", "sops"):
        directory = bench.work / f"aws-{tool}"
        (directory / "sealed").mkdir(parents=True, exist_ok=True)
        one = directory / "sealed" / "f000.yaml"
        if tool == "ours":
            subprocess.run(sealfile_cmd("encrypt", str(plain), "--age", bench.recipient, "--aws-kms", kms.arns[0],
                                        "-o", str(one)), env=kms.env, check=True)
        else:
            with one.open("wb") as out:
                subprocess.run([SOPS, "encrypt", "--age", bench.recipient, "--kms", kms.arns[0], str(plain)],
                               env=kms.env, check=True, stdout=out)
        originals = [one] + [directory / "sealed" / f"f{i:03}.yaml" for i in range(1, count)]
        for path in originals[1:]:  # the same data key in every file changes nothing either tool does
            shutil.copyfile(one, path)
        sides.append(Side(originals, [directory / f"f{i:03}.yaml" for i in range(count)]))
    rule_keys = f"{kms.arns[0]},{kms.arns[1]}"
    (sides[0].files[0].parent / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - age: {bench.recipient}\n    aws_kms: {rule_keys}\n")
    (sides[1].files[0].parent / ".sops.yaml").write_text(
        f"creation_rules:\n  - age: {bench.recipient}\n    kms: {rule_keys}\n")
    return sides[0], sides[1]


def _commands(ours: Side, sops: Side, new_arn: str) -> dict[str, tuple[list[str], list[str]]]:
    """work -> (sealfile command, SOPS shell loop); SOPS finds .sops.yaml from its working directory."""
    theirs = " ".join(str(path) for path in sops.files)
    loop = f"cd {sops.files[0].parent} && for f in {theirs}; do {SOPS} {{}} \"$f\" >/dev/null || exit 1; done"
    ours_files = [str(path) for path in ours.files]
    return {
        "rotate": (sealfile_cmd("rotate", *ours_files), ["sh", "-c", loop.format("rotate -i")]),
        "recipients add": (sealfile_cmd("recipients", "add", "--aws-kms", new_arn, *ours_files),
                           ["sh", "-c", loop.format(f"-r -i --add-kms {new_arn}")]),
        "updatekeys": (sealfile_cmd("updatekeys", "-y", *ours_files), ["sh", "-c", loop.format("updatekeys -y")]),
    }


def bench_aws(bench: Bench, count: int, size: int, runs: int) -> None:
    """Rows for each work at each latency: time, KMS requests per file, and the most in flight."""
    with local_kms(bench) as kms:
        ours, sops = _sides(bench, kms, count, size)
        for work, (ours_cmd, sops_cmd) in _commands(ours, sops, kms.arns[2]).items():
            for latency in LATENCIES_MS:
                print(f"  AWS {work}, {latency} ms ...", file=sys.stderr)
                overflows_before = _listen_overflows()
                times, requests, in_flight = _measure(kms, latency, ((ours_cmd, ours), (sops_cmd, sops)), runs)
                overflows_after = _listen_overflows()
                dropped = ("" if overflows_before is None or overflows_after is None else
                           "; listen-queue overflows on this machine during these runs: "
                           f"{overflows_after - overflows_before}")
                label = f"AWS {work}, {count} files, {latency} ms latency"
                bench.rows.append(Row(f"{label} (s)", size, times[0], times[1],
                                      f"sealfile {work} of all files in one process vs a shell loop of sops{dropped}"))
                bench.rows.append(Row(f"{label}: KMS requests per file", size, sum(requests[0].values()) / count,
                                      sum(requests[1].values()) / count,
                                      f"by operation: sealfile {_per_file(requests[0], count)}, "
                                      f"sops {_per_file(requests[1], count)}"))
                bench.rows.append(Row(f"{label}: most KMS requests in flight", size, in_flight[0], in_flight[1]))


def _listen_overflows() -> int | None:
    """Linux's count of connections dropped because a listening socket's queue was full (each costs
    its client a second before the kernel retries); ``None`` where the count is not readable."""
    try:
        names, values = Path("/proc/net/netstat").read_text().splitlines()[:2]
    except (OSError, ValueError):
        return None
    counts = dict(zip(names.split(), values.split(), strict=True))
    return int(counts["ListenOverflows"]) if counts.get("ListenOverflows", "").isdigit() else None


def _per_file(requests: dict[str, int], count: int) -> str:
    return ", ".join(f"{operation} {calls / count:g}" for operation, calls in sorted(requests.items())) or "none"


def _measure(kms: Kms, latency: int, tools: tuple[tuple[list[str], Side], ...],
             runs: int) -> tuple[list[float], list[dict[str, int]], list[int]]:
    """Median time per tool (alternating, after a warm-up); requests by operation and the most in
    flight in its last run."""
    samples: list[list[float]] = [[] for _ in tools]
    requests: list[dict[str, int]] = [{} for _ in tools]
    in_flight = [0] * len(tools)
    for attempt in range(runs + 1):
        for which, (cmd, side) in enumerate(tools):
            side.reset()
            kms.proxy.reset()
            kms.proxy.delay = latency / 1000
            elapsed, _ = run_child(cmd, kms.env)
            if attempt:
                samples[which].append(elapsed)
            requests[which] = dict(kms.proxy.calls)
            in_flight[which] = kms.proxy.most_in_flight
    return [statistics.median(times) for times in samples], requests, in_flight
