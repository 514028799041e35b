"""What a change's author chooses (file and key names, branch names) reaches a review posted as a pull-request
comment, read by bots as JSON and printed into CI logs: each format shows it as the text it is.

Backslash-escaping every punctuation character kept Markdown from reading a link, an image or ``<!--``, but GitHub
and GitLab look for ``@name`` (a mention: it notifies that user or team), ``#12`` and ``:x:`` in the text *after*
rendering, where ``\\@name`` is ``@name`` again: a file named ``@org/admins-please-approve.enc.yaml`` pinged a team
from sealfile's comment. Hangul fillers, a Braille blank and variation selectors pass ``str.isprintable`` and are
drawn as nothing: ``prod\\u3164.enc.yaml`` read as ``prod.enc.yaml`` (a blank) in every format."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file

NAME = "@acme/admins #12 :x: www.attacker.example mail@attacker.example \u3164.enc.yaml"
KEY = '["@bob #7 ![](https://attacker.example/p.png) `x` prod\u2800db\ufe0f"]'
BRANCH = "@carol#3"
INVISIBLE = "\u3164\u2800\ufe0f"
PINGS = re.compile(r"@\w|#\d|:\w+:|www\.|https?:")
"""What GitHub and GitLab turn into a mention, an issue link, an emoji or a link in rendered text outside code."""


class _Outside(HTMLParser):
    """The text of an HTML document outside ``<code>`` and ``<pre>``, and the tags it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.text, self.tags = 0, [], []  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)
        self.depth += tag in ("code", "pre")

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag in ("code", "pre")

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.text.append(data)


def _hostile_change(box: Sandbox) -> str:
    seal_file(box, "a.enc.yaml", "v: 1\n")
    box.commit("base")
    box.git("checkout", "-q", "-b", BRANCH)
    _, intruder = generate_identity()
    seal_file(box, NAME, "w: 2\n")
    box.sealfile("recipients", "add", NAME, "--age", intruder)
    box.sealfile("set", "a.enc.yaml", KEY, "4")
    box.commit("the change")
    return intruder


def test_markdown_shows_what_the_change_names_in_code(sandbox: Sandbox) -> None:
    from markdown_it import MarkdownIt

    intruder = _hostile_change(sandbox)
    done = sandbox.sealfile("review", "main", BRANCH, "--format", "markdown", env=sandbox.keyless_env())
    html = MarkdownIt("commonmark").render(done.stdout)  # raw HTML on, as in a GitHub comment
    outside = _Outside()
    outside.feed(html)
    assert PINGS.findall(" ".join(outside.text).replace(":warning: Recipients", "")) == []  # its own heading
    assert set(outside.tags) <= {"h2", "h3", "p", "ul", "li", "code", "pre"}  # no <img>, <a>, <details>
    assert not any(c in done.stdout for c in INVISIBLE)
    shown_name = NAME.replace("\u3164", "\\u3164")
    assert f"<li><code>{shown_name}: ADDED age {intruder}</code></li>" in html
    assert "<code>@carol#3</code>" in html
    assert '[&quot;@bob #7 ![](https://attacker.example/p.png) `x` prod\\u2800db\\ufe0f&quot;]: ENC#' in html


def test_text_and_json_show_blank_drawn_characters(sandbox: Sandbox) -> None:
    _hostile_change(sandbox)
    text = sandbox.sealfile("review", "main", BRANCH, env=sandbox.keyless_env()).stdout
    assert not any(c in text for c in INVISIBLE)
    assert '+ ["@bob #7 ![](https://attacker.example/p.png) `x` prod\\u2800db\\ufe0f"]: ENC#' in text
    assert "mail@attacker.example \\u3164.enc.yaml (added)" in text
    shown = sandbox.sealfile("review", "main", BRANCH, "--format", "json", env=sandbox.keyless_env()).stdout
    assert not any(c in shown for c in INVISIBLE)  # JSON's own escapes; a bot reads the exact names
    assert [f["path"] for f in json.loads(shown)["files"]] == [NAME, "a.enc.yaml"]


def test_a_name_of_70000_characters_pushes_no_finding_out_of_a_comment(sandbox: Sandbox) -> None:
    """A path git stores whole (written with plumbing: no file system holds it) that gains a recipient, before a file
    that gains the attacker's, and a key as long: each line shows both ends, the comment stays under GitHub's 65,536
    characters with every finding in it (it was 280,000: not posted, or cut before the attacker's recipient)."""
    seal_file(sandbox, "z.enc.yaml", "v: 1\n")
    sandbox.commit("base")
    _, intruder = generate_identity()
    seal_file(sandbox, "b.enc.yaml", "w: 2\n")
    sandbox.sealfile("recipients", "add", "b.enc.yaml", "--age", intruder)
    blob = sandbox.git("hash-object", "-w", "b.enc.yaml").stdout.strip()
    long = "d" * 70000 + ".enc.yaml"
    sandbox.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{long}")
    (sandbox.repo / "b.enc.yaml").unlink()
    sandbox.sealfile("set", "z.enc.yaml", '["' + "k" * 70000 + '"]', "4")
    sandbox.git("add", "z.enc.yaml")
    sandbox.git("commit", "-q", "-m", "the change")
    for fmt in ("text", "markdown"):
        shown = sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", fmt, env=sandbox.keyless_env()).stdout
        assert len(shown) < 20_000 and max(map(len, shown.splitlines())) < 2100, fmt
        assert f"dddd.enc.yaml: ADDED age {intruder}" in shown and "characters left out)... dddd" in shown, fmt
        assert re.search(r'characters left out\)\.\.\. k+: ENC#', shown), fmt  # the fingerprint kept
    report = sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", env=sandbox.keyless_env()).stdout
    assert [f["path"] for f in json.loads(report)["files"]] == [long, "z.enc.yaml"]  # whole, for tools
