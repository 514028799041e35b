"""check: the pre-commit guard (and CI's), over the files the sealed_files patterns name."""

from __future__ import annotations

from pathlib import Path

import click

from sealfile.cli.app import cli
from sealfile.cli.batch import for_each_file
from sealfile.cli.console import Console
from sealfile.cli.exit_codes import ExitCode
from sealfile.cli.options import SEALED_FILE
from sealfile.cli.setup_warning import warn_if_clone_not_set_up
from sealfile.gitflow.gitcli import CHECK_OUT, NOT_CHECKED_OUT, git, never_checked_out, revisions_root


@cli.command()
@click.argument("files", nargs=-1, type=SEALED_FILE)
def check(files: tuple[Path, ...]) -> None:
    """Pre-commit guard: refuse unsealed secrets files (no key).

    Files matching the sealed-file patterns must be sealed, structurally valid, hold no plaintext
    where their rule encrypts, and (with trusted signers) be sealed by one of them. Where a local
    key opens a file, its MAC must verify (a file staged in part with 'git add -p' does not).
    A sealed file that no pattern names is a warning: git merges it as text. Without FILES: every
    tracked file.

    The patterns are the sealed_files of every .sealfile.yaml above each file (default: *.enc.yaml,
    *.enc.yml, *.enc.json, *.enc.env, *.env.enc, .env.enc, .env.*.enc). Exit status 3 if any file has an
    error.
    """
    from sealfile.gitflow.check import (
        check_file,
        check_staged,
        link_checked_out_as_file,
        links_to_checked,
        merged_as_text,
        merged_by_git_as_text,
        sealed_outside_patterns,
    )
    from sealfile.gitflow.check_leaks import decrypted_copies, files_with_keys
    from sealfile.gitflow.patterns import sealed_files
    from sealfile.gitflow.reused_mac import earlier_versions
    from sealfile.gitflow.staged import links_as_files, staged_versions
    from sealfile.gitflow.unresolved_check import left_in_conflict

    if not files:
        if not revisions_root(".")[1]:  # 'ls-files' answers nothing there, and nothing checked would pass
            raise click.UsageError("this is a bare repository: no files to check; review what a push brings with "
                                   "'sealfile review BASE HEAD'")
        if never_checked_out(top := revisions_root(".")[0]):
            raise click.UsageError(f"{top}: {NOT_CHECKED_OUT}: no files to check; check it out first ({CHECK_OUT})")
        warn_if_clone_not_set_up(".")
    # ls-files names an unmerged file once per stage: each file is checked once
    tracked = dict.fromkeys(Path(p) for p in git(["ls-files", "-z"], ".").split("\0") if p) if not files else {}
    given = list(dict.fromkeys(files)) or list(tracked)
    chosen = sealed_files(given)
    # only files that mention sealfile (or hold SOPS's token) can be sealed: git finds them in a large tree at once
    markers = ["-e", "sealfile", "-e", "ENC[AES256_GCM,"]
    mentioning = set(files) or {Path(p) for p in git(["grep", "-z", "-l", "-I", "-F", *markers, "--", "."],
                                                     ".", ok=(0, 1)).split("\0") if p}
    picked = set(chosen)
    unguarded = sealed_outside_patterns([f for f in given if f in mentioning and f not in picked])
    copies = decrypted_copies([f for f in given if f not in picked and str(f) not in unguarded], chosen)
    keys = files_with_keys(given, chosen, tracked=not files)
    as_text, merged = merged_as_text(chosen), merged_by_git_as_text(chosen)
    staged, earlier = staged_versions(chosen), earlier_versions(chosen)
    flat_links, aliases = links_as_files(chosen), links_to_checked(chosen)
    # a hook given some files (pre-commit's staged ones) is told of a conflict in any other file too
    unresolved = left_in_conflict(chosen, others=bool(files))

    def one(file: Path, console: Console) -> ExitCode:
        came_from = earlier.get(str(file), [])
        if str(file) in unguarded:
            findings = [unguarded[str(file)]]
        elif str(file) in copies:
            findings = copies[str(file)]
        elif str(file) in flat_links:
            findings = [link_checked_out_as_file(str(file), flat_links[str(file)])]
        elif str(file) in aliases:
            findings = []
        elif file in picked:
            findings = check_file(file, came_from) + ([as_text[str(file)]] if str(file) in as_text else [])
        else:
            findings = []
        findings += keys.get(str(file), [])
        if str(file) in staged:
            findings += check_staged(file, staged[str(file)], came_from)
        if str(file) in merged:  # the cause of the rest (a MAC that fails, values from the wrong side)
            findings = [merged[str(file)]]
        findings += [unresolved[str(file)]] if str(file) in unresolved else []
        for finding in findings:
            console.echo(f"sealfile: {finding}", err=True)
        return ExitCode.POLICY if any(f.error for f in findings) else ExitCode.OK

    others = [Path(f) for f in unresolved if Path(f) not in set(given)]
    for_each_file([f for f in given if f in picked or str(f) in unguarded or str(f) in copies or str(f) in keys]
                  + others, "check", one)
