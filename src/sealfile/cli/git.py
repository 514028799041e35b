"""git (install/uninstall/textconv/merge-driver), diff, review, check: parse, call gitflow, print."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sealfile.cli.app import cli
from sealfile.cli.exit_codes import ExitCode
from sealfile.cli.git_merge import merge_driver, resolve_command
from sealfile.errors import SealfileError, one_line
from sealfile.files import io
from sealfile.gitflow import install as installer
from sealfile.gitflow.gitcli import changed_files, link_target, revisions_root, show, split_range
from sealfile.ops.config import trust_near
from sealfile.stores import store_for

if TYPE_CHECKING:
    from sealfile.ops.signatures import TrustPolicy



@cli.group("git")
def git_group() -> None:
    """Git drivers: readable diffs and conflict-free merges."""


git_group.add_command(merge_driver)
git_group.add_command(resolve_command)


@git_group.command("install")
@click.option("--global", "global_", is_flag=True, help="Configure your user (~/.gitconfig, global attributes).")
@click.option("--command", metavar="CMD", envvar=installer.COMMAND_ENV,
              help=f"How git should run sealfile [default: {installer.this_installation()} (this installation); "
                   f"env {installer.COMMAND_ENV}].")
def git_install(global_: bool, command: str | None) -> None:
    """Set up the diff and merge drivers for this clone.

    Writes the sealfile block of .gitattributes (commit it) and this clone's git config (or,
    with --global, yours). The drivers run this installation by its absolute path.
    """
    done = installer.install(".", global_=global_, command=command)
    # the patterns come from the repository's configs: shown, never interpreted by the terminal
    click.echo(one_line(f"{done.attributes_file}: {', '.join(done.patterns)} -> diff=sealfile merge=sealfile"))
    click.echo(f"git config ({done.scope}): drivers run '{done.command}'")
    for note in done.hook_notes:
        click.echo(one_line(f"sealfile: warning: {note} (so that git replaying commits cannot commit "
                            "or drop a conflict the merge driver left unnoticed)"), err=True)
    if done.diff_note:
        click.echo(one_line(f"sealfile: warning: {done.diff_note}"), err=True)


@git_group.command("unresolved", hidden=True)
@click.option("--warn", is_flag=True, help="Say so, and refuse nothing (a hook run after git acted).")
def git_unresolved(warn: bool) -> None:
    """The hooks 'git install' writes: refuse while a sealed file is staged holding a conflict the merge driver
    left (git replays commits without the pre-commit hook); with --warn, say that a rebase ended so."""
    from sealfile.gitflow.guard_hooks import refusing
    from sealfile.gitflow.unresolved_check import left_in_conflict

    found = left_in_conflict([], others=True, ended=warn) if warn or refusing() else {}
    for finding in found.values():
        if warn:
            click.echo(one_line(f"sealfile: warning: {finding.file}: the rebase ended with this file still holding "
                                f"a conflict (git drops a pick the conflict left with no change: its value is in no "
                                f"commit now): {finding.message}"), err=True)
        else:
            click.echo(f"sealfile: {finding}", err=True)
    if found and not warn:
        sys.exit(ExitCode.POLICY)


@git_group.command("uninstall")
@click.option("--global", "global_", is_flag=True, help="Undo a --global install.")
def git_uninstall(global_: bool) -> None:
    """Remove the drivers' config and .gitattributes block."""
    target = installer.uninstall(".", global_=global_)
    click.echo(f"removed the sealfile drivers and the sealfile block of {target}")


@git_group.command("textconv")
@click.argument("file", type=click.Path(dir_okay=False, readable=False))
@click.option("--redact", is_flag=True, help="Never decrypt, even with a key.")
def git_textconv(file: str, redact: bool) -> None:
    """(run by git) A sealed file as git diff shows it.

    Decrypted if a key opens FILE, else redacted; never fails.
    """
    from sealfile.gitflow.textconv import strictest, textconv

    try:
        raw = io.read_bytes(file)
    except SealfileError as err:  # too large, a device, unreadable: say so instead of failing 'git diff'
        sys.stdout.write(one_line(f"# sealfile: not shown: {err.message}") + "\n")
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        sys.stdout.buffer.write(raw)
        return
    try:
        policy = strictest(text, store_for(file), _policies(file))
    except Exception as err:  # a .sealfile.yaml that does not read: trust nothing, show the file redacted
        policy, redact = None, True
        cause = err if isinstance(err, SealfileError) else type(err).__name__
        sys.stdout.write(one_line(f"# sealfile: not decrypted: {cause}") + "\n")
    try:
        sys.stdout.write(textconv(text, decrypt=not redact, store=store_for(file), policy=policy,
                                  path=file))
    except Exception:  # a failing textconv breaks 'git diff': fall back to the file as stored
        sys.stdout.write(text)


def _policies(file: str) -> list[TrustPolicy]:
    """Whose seals textconv may decrypt: for the work-tree file, the policy of its .sealfile.yaml; for an
    older version git wrote to a temporary file outside the repository (git runs textconv at the top of
    the work tree and does not say where the version lives), that of every .sealfile.yaml in the work
    tree, so a version is decrypted only if the signers of each directory would accept it."""
    from sealfile.gitflow.drivers import governing_configs_missing
    from sealfile.gitflow.patterns import configs_not_checked_out, in_worktree
    from sealfile.ops.signatures import for_file

    absolute, top = os.path.abspath(file), os.getcwd()
    if absolute.startswith(os.path.join(top, "")):
        try:
            unread = governing_configs_missing(os.path.relpath(absolute, top), top)
        except SealfileError:  # git cannot list this directory (run by hand, outside a work tree)
            unread = None
        if unread:
            raise SealfileError(unread)
        return [for_file(absolute)]
    try:
        directories = [directory for directory, _ in in_worktree(Path(top)).scopes]
        missing = configs_not_checked_out(Path(top))
    except SealfileError:  # not a work tree git can list: the top's config alone
        directories, missing = [], []
    if missing:
        raise SealfileError(f"{missing[0]} is not in the work tree (a sparse checkout?), so whose seals to trust "
                            "is not known here; 'sealfile diff --reveal --git REV' shows each file by its own")
    return [for_file(os.path.join(top, d)) for d in dict.fromkeys(["", *directories])]


@cli.command("diff")
@click.argument("args", nargs=-1)
@click.option("--git", "rev", metavar="REV[..REV]",
              help="Compare sealed files between revisions (REV alone: against the working tree); ARGS are paths.")
@click.option("--reveal", is_flag=True, help="Decrypt both sides and show plaintext values (needs a key).")
def diff_command(args: tuple[str, ...], rev: str | None, reveal: bool) -> None:
    """Compare sealed files by key path; redacted unless --reveal.

    \b
    sealfile diff OLD.enc.yaml NEW.enc.yaml
    sealfile diff --git main..HEAD [PATHS...]
    """
    from sealfile.gitflow.drivers import governing_configs_missing
    from sealfile.gitflow.gitcli import version_in_worktree
    from sealfile.gitflow.partial_clone import fetch_changed
    from sealfile.gitflow.patterns import at_revision, in_worktree, moves_between_sealed_paths, union
    from sealfile.gitflow.semantic_diff import FileDiff, diff_texts, render_text
    from sealfile.gitflow.unguarded import sealed_either_side
    from sealfile.ops.signatures import for_file

    if rev is None:
        if len(args) != 2:
            raise click.UsageError("give two files, or --git REV[..REV] [PATHS...]")
        old, new = (Path(a) for a in args)
        with io.about(new), trust_near(new):
            result = diff_texts(str(new), io.read_text(old), io.read_text(new), reveal=reveal,
                                policy=for_file(new) if reveal else None)
        click.echo("\n".join(render_text(result)))
        return
    root, work_tree = revisions_root(".")
    base, head = split_range(rev)
    if not work_tree and (head is None or reveal):  # --reveal trusts the signers of each file's .sealfile.yaml
        raise click.UsageError(f"{root} is a bare repository: it has no work tree to compare with or to read "
                               "whose seals to trust from; give REV..REV, without --reveal")
    patterns = union(at_revision(base, root), at_revision(head, root) if head else in_worktree(root))
    relative = [str(Path(a).resolve().relative_to(root.resolve())) if Path(a).exists() else a for a in args]
    fetch_changed(base, head, relative, patterns.matches, root)  # a partial clone: at once, not a fetch per file
    for change in moves_between_sealed_paths(changed_files(base, head, relative, root), patterns.matches):
        if not patterns.matches(change.path) and not sealed_either_side(change, base, head, root):
            continue
        missing = governing_configs_missing(change.path, root) if reveal else None
        if missing:
            raise SealfileError(missing, file=change.path)
        old_text = show(base, change.old_path or change.path, root)
        not_a_file = change.not_a_file(link_target(head, root, change.path) if change.link else None)
        if not_a_file is not None:  # as review says it
            click.echo("\n".join(render_text(FileDiff(change.path, change.shown_status, problem=not_a_file))))
            continue
        new_text = show(head, change.path, root) if head else version_in_worktree(root / change.path)
        with io.about(change.path), trust_near(root / change.path):
            result = diff_texts(change.path, old_text, new_text, reveal=reveal, renamed_from=change.old_path,
                                policy=for_file(root / change.path) if reveal else None)
        click.echo("\n".join(render_text(result)))


@cli.command()
@click.argument("base")
@click.argument("head")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="text for a terminal, markdown for a pull-request comment, json for tools.")
@click.option("--fail-on-recipient-change", is_flag=True,
              help="Count any recipient, trusted signer or trusted host/role/profile added or removed as a policy "
                   "violation.")
def review(base: str, head: str, fmt: str, fail_on_recipient_change: bool) -> None:
    """Summarise sealed-file changes between revisions (no key).

    Exit status 3 on a policy violation: a file matching the sealed-file patterns that is not
    sealed, a plaintext value where the rule encrypts, a secret-named key newly left in
    plaintext, a .gitattributes change taking a sealed file from the drivers, a decrypted copy
    or a recipient's private key committed, a file the trusted signers did not seal (a replaced
    data key above all), or (with --fail-on-recipient-change) any change to recipients, signers:
    or trust:. docs/git.md lists every check.
    """
    from sealfile.gitflow.review import render
    from sealfile.gitflow.review import review as run_review

    result = run_review(base, head, ".", fail_on_recipient_change=fail_on_recipient_change)
    click.echo(render(result, fmt), nl=False)
    if result.violations:
        sys.exit(ExitCode.POLICY)
