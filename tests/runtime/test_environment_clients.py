"""``exec`` (and ``load_env``) must not let a sealed file choose where a cloud client sends its requests, whose
identity it takes, or what a program it runs runs in turn. Each attack is run with the real client or program:
boto3 reads each service's endpoint rules from ``AWS_DATA_PATH`` before its own, so ``exec -- aws s3 cp ...``
sent the request, signed with the user's credentials and holding its payload, to the file's host; google-auth
asks ``GCE_METADATA_HOST`` for the project and token it uses (``AWS_EC2_METADATA_SERVICE_ENDPOINT`` was refused,
Google's twin was not); ``man`` runs the ``troff`` of ``GROFF_BIN_PATH`` and passes ``MANROFFOPT`` to groff
(``-U -m`` runs a macro file's ``.sy`` lines); pytest reads ``PYTEST_ADDOPTS`` as its command line and imports
``PYTEST_PLUGINS`` (``-p`` a module of the checkout); corepack runs the yarn it finds under ``COREPACK_HOME``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from sealfile.runtime.environment import UnsafeVariableError, variables_for
from tests.support.cli import cli_env
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

REFUSED = "which changes how programs start or where they connect; refused"
SCRUBBED = ("AWS_DATA_PATH", "GCE_METADATA_HOST", "GCE_METADATA_ROOT", "GCE_METADATA_IP", "GROFF_BIN_PATH",
            "MANROFFOPT", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "GOOGLE_APPLICATION_CREDENTIALS")


def run_exec(path: Path, *args: str, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``sealfile exec [OPTIONS] PATH -- COMMAND`` (``args`` up to ``--`` are options), in an environment
    that sets none of the names under test itself (a set variable would be kept, not taken from the file)."""
    split = args.index("--")
    environment = {name: value for name, value in cli_env().items() if name not in SCRUBBED} | (env or {})
    return subprocess.run([sys.executable, "-m", "sealfile", "exec", *args[:split], str(path), *args[split:]],
                          capture_output=True, text=True, env=environment, cwd=cwd, timeout=120)


@contextmanager
def listening(answer: Callable[[BaseHTTPRequestHandler], tuple[str, bytes]]) -> Iterator[tuple[int, list[str]]]:
    """A local HTTP server standing for the file's host: its port, and each request it got (line and headers)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(f"{self.requestline}\n{self.headers}")
            content_type, body = answer(self)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Metadata-Flavor", "Google")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port, seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_file_cannot_send_boto3_requests_to_its_own_endpoint(seal_file: SealFile, tmp_path: Path) -> None:
    """The data directory is one the repository holds (``aws_data_path: tools/aws``): an endpoint rule set naming
    the attacker's host for KMS. The request carries the user's access key id, a signature and the ciphertext."""
    with listening(lambda _: ("application/x-amz-json-1.1", b'{"KeyId": "k", "Plaintext": "eA=="}')) as (port, seen):
        rules = tmp_path / "tools" / "aws" / "kms" / "2014-11-01" / "endpoint-rule-set-1.json"
        rules.parent.mkdir(parents=True)
        rules.write_text(json.dumps({
            "version": "1.0", "parameters": {"Region": {"builtIn": "AWS::Region", "required": False,
                                                        "documentation": "region", "type": "String"}},
            "rules": [{"conditions": [], "type": "endpoint",
                       "endpoint": {"url": f"http://127.0.0.1:{port}", "properties": {}, "headers": {}}}]}))
        path = seal_file(f"aws_data_path: {rules.parents[2]}\ndb_password: p-1\n")
        client = "import boto3; boto3.client('kms').decrypt(CiphertextBlob=b'the-wrapped-key')"
        none = str(tmp_path / "none")
        env = {"AWS_ACCESS_KEY_ID": "AKIATHEUSERSOWNKEY", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION":
               "us-east-1", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none}
        done = run_exec(path, "--", sys.executable, "-c", client, env=env)
        assert (done.returncode, seen) == (1, [])  # without the check: exit 0, the decrypt request sent there
        assert f"aws_data_path: would set AWS_DATA_PATH, {REFUSED}" in done.stderr
        allowed = run_exec(path, "--allow-env", "AWS_DATA_PATH", "--", sys.executable, "-c", client, env=env)
        assert allowed.returncode == 0, allowed.stderr  # what the user allowed explicitly: the oracle works
        assert len(seen) == 1 and "TrentService.Decrypt" in seen[0] and "AKIATHEUSERSOWNKEY" in seen[0]


@pytest.mark.parametrize("name", ["gce_metadata_host", "gce_metadata_ip"])
def test_a_file_cannot_choose_the_metadata_server_google_auth_asks(name: str, seal_file: SealFile,
                                                                  tmp_path: Path) -> None:
    """google-auth's default credentials on a machine without others: the project and the token come from the
    metadata server, here the file's (GCE_METADATA_IP is where it probes, GCE_METADATA_HOST where it asks)."""

    def metadata(request: BaseHTTPRequestHandler) -> tuple[str, bytes]:
        if "/token" in request.path:
            return "application/json", b'{"access_token": "the-files-token", "expires_in": 600, "token_type": "Bearer"}'
        if "/service-accounts/default/" in request.path:
            return "application/json", b'{"email": "x@attacker.iam.gserviceaccount.com", "aliases": ["default"]}'
        return "text/plain", b"the-files-project"

    with listening(metadata) as (port, seen):
        path = seal_file(f"{name}: 127.0.0.1:{port}\ndb_password: p-1\n")
        client = ("import google.auth, google.auth.transport.requests as r\n"
                  "c, project = google.auth.default(); c.refresh(r.Request()); print(project, c.token)")
        env = {"HOME": str(tmp_path), "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"), "NO_GCE_CHECK": "false"}
        done = run_exec(path, "--", sys.executable, "-c", client, env=env)
        assert (done.returncode, seen) == (1, [])  # without the check: the metadata requests came here
        assert f"would set {name.upper()}, {REFUSED}" in done.stderr
        if name == "gce_metadata_host":  # the oracle: allowed, the client takes the file's project and token
            allowed = run_exec(path, "--allow-env", name, "--", sys.executable, "-c", client,
                               env={**env, "GCE_METADATA_IP": f"127.0.0.1:{port}"})
            assert allowed.stdout.split() == ["the-files-project", "the-files-token"], allowed.stderr


@pytest.mark.skipif(shutil.which("man") is None or shutil.which("groff") is None, reason="needs man-db and groff")
@pytest.mark.parametrize("entry", ["groff_bin_path", "manroffopt"])
def test_man_does_not_run_what_a_file_names(entry: str, seal_file: SealFile, tmp_path: Path) -> None:
    """``exec -- man ...`` (or ``man`` in ``exec -- bash``): man runs groff, which runs the ``troff`` it finds in
    GROFF_BIN_PATH first, and MANROFFOPT's ``-U -M DIR -m NAME`` loads a macro file whose ``.sy`` runs a command."""
    marker, tools = tmp_path / "CODE-RAN", tmp_path / "tools"
    tools.mkdir()
    (tools / "troff").write_text(f"#!/bin/sh\ntouch {marker}\nexec troff \"$@\"\n")
    (tools / "troff").chmod(0o755)
    (tools / "evil.tmac").write_text(f".sy touch {marker}\n")
    page = tmp_path / "tool.1"
    page.write_text(".TH TOOL 1\n.SH NAME\ntool \\- does things\n")
    value = str(tools) if entry == "groff_bin_path" else f"-U -M{tools} -mevil"
    path = seal_file(f'{entry}: "{value}"\ndb_password: p-1\n')
    done = run_exec(path, "--", "man", "-l", str(page), env={"MANPAGER": "cat", "PAGER": "cat"})
    assert not marker.exists()  # without the check: man ran the planted troff, or groff ran the .sy line
    assert done.returncode == 1 and f"would set {entry.upper()}, {REFUSED}" in done.stderr


@pytest.mark.parametrize("entry", ['pytest_addopts: "-p team_helpers"', "pytest_plugins: team_helpers"])
def test_pytest_does_not_load_a_module_a_file_names(entry: str, seal_file: SealFile, tmp_path: Path) -> None:
    """``exec -- python -m pytest`` (integration tests with the secrets): ``-p`` in PYTEST_ADDOPTS, or
    PYTEST_PLUGINS, imports a module of the checkout that the tests never import."""
    marker = tmp_path / "CODE-RAN"
    (tmp_path / "team_helpers.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n")
    (tmp_path / "test_app.py").write_text("def test_app():\n    pass\n")
    path = seal_file(f"{entry}\ndb_password: p-1\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(tmp_path / "none.ini"),
               "--rootdir", str(tmp_path), "test_app.py"]
    (tmp_path / "none.ini").write_text("[pytest]\n")
    done = run_exec(path, "--", *command, cwd=tmp_path)
    assert not marker.exists()  # without the check: the module ran as pytest started
    assert done.returncode == 1 and f"would set {entry.split(':')[0].upper()}, {REFUSED}" in done.stderr


@pytest.mark.skipif(shutil.which("corepack") is None, reason="needs corepack (Node.js)")
def test_corepack_does_not_run_a_package_manager_a_file_plants(seal_file: SealFile, tmp_path: Path) -> None:
    """``exec -- corepack yarn build`` (or ``yarn`` through corepack's shims): corepack runs the yarn it finds
    installed under COREPACK_HOME, whatever it holds (a ``.corepack`` file naming its bin), with no check."""
    marker, planted = tmp_path / "CODE-RAN", tmp_path / "tools" / "corepack"
    installed = planted / "v1" / "yarn" / "1.22.22"
    (installed / "bin").mkdir(parents=True)
    (installed / ".corepack").write_text('{"hash": "x", "bin": {"yarn": "./bin/yarn.js"}}')
    (installed / "package.json").write_text('{"name": "yarn", "version": "1.22.22"}')
    (installed / "bin" / "yarn.js").write_text(f"require('fs').writeFileSync({str(marker)!r}, 'x')\n")
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "packageManager": "yarn@1.22.22"}')
    path = seal_file(f"corepack_home: {planted}\ndb_password: p-1\n")
    done = run_exec(path, "--", "corepack", "yarn", "--version", cwd=project, env={"COREPACK_ENABLE_NETWORK": "0"})
    assert not marker.exists()  # without the check: corepack ran the planted yarn.js
    assert done.returncode == 1 and f"would set COREPACK_HOME, {REFUSED}" in done.stderr


# From each tool's documentation (no such tool here): the program or library it runs, where it sends a token
DOCUMENTED = ("AZURE_POD_IDENTITY_AUTHORITY_HOST", "GCE_METADATA_ROOT", "AZURE_KUBERNETES_TOKEN_PROXY",
              "AZURE_KUBERNETES_CA_DATA", "COREPACK_NPM_REGISTRY", "VOLTA_HOME", "RBENV_ROOT", "NODENV_ROOT",
              "GOENV_ROOT", "JENV_ROOT", "ESBUILD_BINARY_PATH", "PRISMA_QUERY_ENGINE_LIBRARY",
              "PUPPETEER_EXECUTABLE_PATH", "GROFF_COMMAND_PREFIX", "GROFF_TMAC_PATH", "GROFF_FONT_PATH")


@pytest.mark.parametrize("name", DOCUMENTED)
def test_documented_hooks_are_refused(name: str) -> None:
    with pytest.raises(UnsafeVariableError, match=f"would set {name}, which changes how programs start"):
        variables_for({name.lower(): "x", "db_password": "p-1"})
    assert variables_for({name.lower(): "x"}, prefix="APP_") == {f"APP_{name}": "x"}
