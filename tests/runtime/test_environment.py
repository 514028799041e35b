"""exec, load_env and load_secrets(env=True) are a trust boundary: a file's values become variables,
never hooks that change how programs start or where they connect, and exec's child does not
inherit the master identity."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from sealfile.runtime.environment import KEY_MATERIAL, UnsafeVariableError, is_hook, variables_for
from sealfile.stores import get_store
from tests.support.cli import cli_env
from tests.support.environment import restored_environment
from tests.support.sealing import SealFile

__all__ = ["restored_environment"]

pytest_plugins = ["tests.support.sealed_files"]

PRINT_ENV = "import json, os, sys; json.dump(dict(os.environ), sys.stdout)"


def run_exec(path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``sealfile exec [OPTIONS] PATH -- COMMAND``: ``args`` up to ``--`` are options."""
    split = args.index("--")
    argv = ["exec", *args[:split], str(path), *args[split:]]
    return subprocess.run([sys.executable, "-m", "sealfile", *argv], capture_output=True, text=True,
                          env=cli_env(env), timeout=60)


def test_bash_env_from_a_file_does_not_run_code(seal_file: SealFile, tmp_path: Path) -> None:
    """bash expands BASH_ENV (command substitution included) before any script it runs."""
    marker = tmp_path / "CODE-RAN"
    path = seal_file(f'bash_env: "$(touch {marker})"\ndb_password: p-1\n')
    done = run_exec(path, "--", "bash", "-c", "true")
    assert done.returncode == 1
    assert done.stderr.strip() == (f"sealfile: error: {path}: bash_env: would set BASH_ENV, which changes how "
                                   "programs start or where they connect; refused (put a prefix in front of the "
                                   "names, or allow BASH_ENV explicitly)")
    assert not marker.exists()
    prefixed = run_exec(path, "--prefix", "APP_", "--", "bash", "-c", 'test -n "$APP_BASH_ENV"')
    assert prefixed.returncode == 0, prefixed.stderr
    assert not marker.exists()
    allowed = run_exec(path, "--allow-env", "bash_env", "--", sys.executable, "-c", PRINT_ENV)
    assert json.loads(allowed.stdout)["BASH_ENV"] == f"$(touch {marker})"  # the user asked for it


@pytest.mark.skipif(shutil.which("zsh") is None, reason="needs zsh")
def test_zsh_nullcmd_from_a_file_does_not_run_a_program(seal_file: SealFile, tmp_path: Path) -> None:
    """zsh runs $NULLCMD for a redirection without a command (``> file``): a program the repository holds."""
    marker = tmp_path / "CODE-RAN"
    program = tmp_path / "planted"
    program.write_text(f"#!/bin/sh\ntouch {marker}\n")
    program.chmod(0o755)
    path = seal_file(f"nullcmd: {program}\ndb_password: p-1\n")
    done = run_exec(path, "--", "zsh", "-c", f"> {tmp_path / 'out'}")
    assert (done.returncode, done.stderr) == (1, f"sealfile: error: {path}: nullcmd: would set NULLCMD, which "
                                                 "changes how programs start or where they connect; refused (put a "
                                                 "prefix in front of the names, or allow NULLCMD explicitly)\n")
    assert not marker.exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_makeflags_from_a_file_does_not_run_code(seal_file: SealFile, tmp_path: Path) -> None:
    """GNU make reads options from MAKEFLAGS, and ``--eval`` runs ``$(shell ...)``: ``exec -- make deploy``."""
    marker = tmp_path / "CODE-RAN"
    (tmp_path / "Makefile").write_text("all:\n\t@true\n")
    path = seal_file(f'makeflags: "--eval=$(shell touch {marker})"\ndb_password: p-1\n')
    done = run_exec(path, "--", "make", "-s", "-C", str(tmp_path))
    assert (done.returncode, done.stderr) == (1, f"sealfile: error: {path}: makeflags: would set MAKEFLAGS, which "
                                                 "changes how programs start or where they connect; refused (put a "
                                                 "prefix in front of the names, or allow MAKEFLAGS explicitly)\n")
    assert not marker.exists()


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs tar")
def test_tar_options_from_a_file_do_not_run_a_command(seal_file: SealFile, tmp_path: Path) -> None:
    """GNU tar reads TAR_OPTIONS as options, and ``--checkpoint-action=exec=`` runs a shell command at each
    checkpoint: ``exec -- tar czf backup.tgz data`` ran what the file said."""
    marker = tmp_path / "CODE-RAN"
    (tmp_path / "data.txt").write_text("x\n")
    path = seal_file(f'tar_options: "--checkpoint=1 --checkpoint-action=exec=touch${{IFS}}{marker}"\n'
                     "db_password: p-1\n")
    done = run_exec(path, "--", "tar", "cf", str(tmp_path / "out.tar"), "-C", str(tmp_path), "data.txt")
    assert (done.returncode, done.stderr) == (1, f"sealfile: error: {path}: tar_options: would set TAR_OPTIONS, "
                                                 "which changes how programs start or where they connect; refused "
                                                 "(put a prefix in front of the names, or allow TAR_OPTIONS "
                                                 "explicitly)\n")
    assert not marker.exists()


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("cc") is None, reason="needs make and a C compiler")
@pytest.mark.parametrize("entry", ["cc: {program}", 'cflags: "-wrapper {program}"'])
def test_a_compiler_from_a_file_does_not_run_in_a_build(entry: str, seal_file: SealFile, tmp_path: Path) -> None:
    """make's implicit rule runs ``$(CC) $(CFLAGS)``, and gcc's ``-wrapper`` runs a program around each of its
    steps: ``exec -- make`` to build with the secrets ran whatever the file named."""
    marker, program = tmp_path / "CODE-RAN", tmp_path / "evil"
    program.write_text(f"#!/bin/sh\ntouch {marker}\nexec \"$@\"\n")
    program.chmod(0o755)
    (tmp_path / "hello.c").write_text("int main(void) { return 0; }\n")
    path = seal_file(entry.format(program=program) + "\ndb_password: p-1\n")
    done = run_exec(path, "--", "make", "-s", "-C", str(tmp_path), "hello")
    assert done.returncode == 1 and "which changes how programs start or where they connect" in done.stderr
    assert not marker.exists()


def test_a_prompt_from_a_file_does_not_run_code_in_an_interactive_shell(seal_file: SealFile, tmp_path: Path) -> None:
    """``exec -- bash`` for a shell with the secrets: bash expands ``$(...)`` in PS0 and PS1 as it prompts."""
    marker = tmp_path / "CODE-RAN"
    path = seal_file(f'ps1: "$(touch {marker})"\ndb_password: p-1\n')
    argv = [sys.executable, "-m", "sealfile", "exec", str(path), "--", "bash", "--norc", "--noprofile", "-i"]
    done = subprocess.run(argv, input="true\n", capture_output=True, text=True, env=cli_env(None), timeout=60)
    assert done.returncode == 1 and "would set PS1, which changes how programs start" in done.stderr
    assert not marker.exists()


HOOKS = {
    "ld_preload": "LD_PRELOAD", "LD_AUDIT": "LD_AUDIT", "dyld_insert_libraries": "DYLD_INSERT_LIBRARIES",
    "env": "ENV", "path": "PATH", "ps4": "PS4", "prompt_command": "PROMPT_COMMAND", "shellopts": "SHELLOPTS",
    "bash_func_ls%%": "BASH_FUNC_LS__", "pythonstartup": "PYTHONSTARTUP", "pythonpath": "PYTHONPATH",
    "node_options": "NODE_OPTIONS", "perl5opt": "PERL5OPT", "perl5lib": "PERL5LIB", "rubyopt": "RUBYOPT",
    "java_tool_options": "JAVA_TOOL_OPTIONS", "_java_options": "_JAVA_OPTIONS", "jdk_java_options":
    "JDK_JAVA_OPTIONS", "git": {"ssh_command": "GIT_SSH_COMMAND"}, "git_config_global": "GIT_CONFIG_GLOBAL",
    "home": "HOME", "xdg_config_home": "XDG_CONFIG_HOME", "https_proxy": "HTTPS_PROXY", "glibc_tunables":
    "GLIBC_TUNABLES", "gconv_path": "GCONV_PATH", "lessopen": "LESSOPEN", "editor": "EDITOR", "kubeconfig":
    "KUBECONFIG", "dotnet_startup_hooks": "DOTNET_STARTUP_HOOKS", "sealfile_age_key_file": "SEALFILE_AGE_KEY_FILE",
    "sealfile_trusted": {"hosts": "SEALFILE_TRUSTED_HOSTS"}, "npm_config_registry": "NPM_CONFIG_REGISTRY",
    "pip_index_url": "PIP_INDEX_URL", "aws_endpoint_url": "AWS_ENDPOINT_URL", "ssl_cert_file": "SSL_CERT_FILE",
    "ssh_askpass_require": "SSH_ASKPASS_REQUIRE", "display": "DISPLAY", "vault_addr": "VAULT_ADDR",
    "bao_addr": "BAO_ADDR", "docker_host": "DOCKER_HOST", "aws_ec2_metadata_service_endpoint":
    "AWS_EC2_METADATA_SERVICE_ENDPOINT", "aws_profile": "AWS_PROFILE", "google_application_credentials":
    "GOOGLE_APPLICATION_CREDENTIALS", "cloudsdk_api_endpoint_overrides_storage":
    "CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", "identity_endpoint": "IDENTITY_ENDPOINT", "viminit": "VIMINIT",
    "tf_cli_config_file": "TF_CLI_CONFIG_FILE", "otel_exporter_otlp_endpoint": "OTEL_EXPORTER_OTLP_ENDPOINT",
    "kubernetes_service_host": "KUBERNETES_SERVICE_HOST", "ssh_auth_sock": "SSH_AUTH_SOCK",
    "localdomain": "LOCALDOMAIN", "res_options": "RES_OPTIONS", "nullcmd": "NULLCMD", "readnullcmd": "READNULLCMD",
    "ps1": "PS1", "ps0": "PS0", "histfile": "HISTFILE", "makeflags": "MAKEFLAGS", "gnumakeflags": "GNUMAKEFLAGS",
    "makefiles": "MAKEFILES", "maven_opts": "MAVEN_OPTS", "gradle_opts": "GRADLE_OPTS", "sbt_opts": "SBT_OPTS",
    "electron_run_as_node": "ELECTRON_RUN_AS_NODE", "cc": "CC", "cflags": "CFLAGS", "ldflags": "LDFLAGS",
    "pkg_config_path": "PKG_CONFIG_PATH", "cgo_ldflags": "CGO_LDFLAGS", "ccache_prefix": "CCACHE_PREFIX",
    "cmake_c_compiler_launcher": "CMAKE_C_COMPILER_LAUNCHER", "rustc": "RUSTC", "rsync_rsh": "RSYNC_RSH",
    "svn_ssh": "SVN_SSH", "psqlrc": "PSQLRC", "terminfo": "TERMINFO",
    "tar_options": "TAR_OPTIONS", "manopt": "MANOPT", "kube_editor": "KUBE_EDITOR", "psql_pager": "PSQL_PAGER",
    "gh_browser": "GH_BROWSER", "aws_pager": "AWS_PAGER", "systemd_pager": "SYSTEMD_PAGER",
    "gcc_exec_prefix": "GCC_EXEC_PREFIX", "compiler_path": "COMPILER_PATH", "config_site": "CONFIG_SITE",
    "gtk_modules": "GTK_MODULES", "qt_plugin_path": "QT_PLUGIN_PATH", "vimruntime": "VIMRUNTIME",
    "erl_aflags": "ERL_AFLAGS", "mono_env_options": "MONO_ENV_OPTIONS", "uv_index_url": "UV_INDEX_URL",
    "poetry_repositories_x_url": "POETRY_REPOSITORIES_X_URL", "pipenv_pypi_mirror": "PIPENV_PYPI_MIRROR",
    "conda_channels": "CONDA_CHANNELS", "ansible_config": "ANSIBLE_CONFIG",
    "less": "LESS", "lesskeyin": "LESSKEYIN", "lesskey_content": "LESSKEY_CONTENT", "lesshistfile": "LESSHISTFILE",
    "mailpath": "MAILPATH", "goroot": "GOROOT", "gomodcache": "GOMODCACHE", "gocache": "GOCACHE", "goauth": "GOAUTH",
    "gosumdb": "GOSUMDB", "goinsecure": "GOINSECURE", "julia_depot_path": "JULIA_DEPOT_PATH", "r_libs_user":
    "R_LIBS_USER", "jupyter_config_dir": "JUPYTER_CONFIG_DIR", "ansible_library": "ANSIBLE_LIBRARY",
    "ipythondir": "IPYTHONDIR", "pyenv_root": "PYENV_ROOT", "deno_dir": "DENO_DIR",
    "kubectl_external_diff": "KUBECTL_EXTERNAL_DIFF", "ripgrep_config_path": "RIPGREP_CONFIG_PATH",
    "fzf_default_command": "FZF_DEFAULT_COMMAND", "vagrant_cwd": "VAGRANT_CWD", "tg_tf_path": "TG_TF_PATH",
    "asdf_data_dir": "ASDF_DATA_DIR", "psql_watch_pager": "PSQL_WATCH_PAGER", "bat_pager": "BAT_PAGER",
}


@pytest.mark.parametrize("key", list(HOOKS), ids=str)
def test_no_loader_or_interpreter_hook_from_a_file(age_key: AgeKey, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    value = HOOKS[key]
    name = value if isinstance(value, str) else next(iter(value.values()))
    text = json.dumps({"a_safe_one": "v-1", key: {k: "x" for k in value} if isinstance(value, dict) else "x"})
    path = tmp_path / "secrets.enc.json"
    path.write_text(seal_text(text, [age_key], store=get_store("json")))
    monkeypatch.delenv("A_SAFE_ONE", raising=False)
    before = dict(os.environ)
    for load in (lambda: sealfile.load_env(path), lambda: sealfile.load_secrets(path, env=True)):
        with pytest.raises(UnsafeVariableError, match=f"would set {name}, which changes how programs start"):
            load()
        assert dict(os.environ) == before  # all or nothing: not even the safe one was set
    assert sealfile.load_env(path, prefix="APP_")[f"APP_{name}"] == "x"
    # allowed: set, or kept where the environment has it (PATH, HOME...), and the mapping says which it holds
    assert sealfile.load_env(path, allow_env=[name.lower()])[name] == before.get(name, "x") == os.environ[name]


def test_the_rule_is_on_the_final_name() -> None:
    assert is_hook("APP_" + "LD_PRELOAD") is False
    assert is_hook("ld_preload") and is_hook("Path") and is_hook("PYTHONWARNINGS") and is_hook("GIT_DIR")
    assert not any(is_hook(n) for n in ("DATABASE_PASSWORD", "API_KEY", "AWS_SECRET_ACCESS_KEY", "GOOGLE_CREDS",
                                         "ENVIRONMENT", "PATH_PREFIX", "HOMEPAGE_URL", "NODE", "GITHUB_TOKEN",
                                         "VAULT_TOKEN", "AWS_ACCESS_KEY_ID", "AZURE_CLIENT_SECRET", "TF_VAR_DB",
                                         "KUBERNETES_TOKEN", "DOCKER_PASSWORD", "NODE_ENV", "node_env",
                                         "PYTHONUNBUFFERED"))
    assert is_hook("NODE_OPTIONS") and is_hook("NODE_PATH") and is_hook("NODE_EXTRA_CA_CERTS")
    assert not any(is_hook(n) for n in ("CCV", "CC_EMAIL", "LDAP_PASSWORD", "ASSET_HOST", "ARTIFACTORY_TOKEN"))


def test_existing_variables_are_kept_by_every_entry_point(seal_file: SealFile, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    path = seal_file("db_password: from-the-file\n")
    monkeypatch.setenv("DB_PASSWORD", "from-the-deployment")
    sealfile.load_env(path)
    sealfile.load_secrets(path, env=True)
    assert os.environ["DB_PASSWORD"] == "from-the-deployment"
    kept = run_exec(path, "--", sys.executable, "-c", PRINT_ENV)
    assert json.loads(kept.stdout)["DB_PASSWORD"] == "from-the-deployment"
    replaced = run_exec(path, "--override", "--", sys.executable, "-c", PRINT_ENV)
    assert json.loads(replaced.stdout)["DB_PASSWORD"] == "from-the-file"
    sealfile.load_secrets(path, env=True, env_override=True)
    assert os.environ["DB_PASSWORD"] == "from-the-file"
    monkeypatch.setenv("DB_PASSWORD", "again")
    sealfile.load_env(path, override=True)
    assert os.environ["DB_PASSWORD"] == "from-the-file"


def test_key_material_names_every_variable_a_key_module_reads() -> None:
    from sealfile.envelope.signing_env import SIGNING_KEY_ENV
    from sealfile.kms import ssh_identities

    assert {ssh_identities.KEY_FILE_ENV, ssh_identities.SOPS_KEY_FILE_ENV, SIGNING_KEY_ENV} <= set(KEY_MATERIAL)


def test_the_child_does_not_inherit_the_master_identity(tmp_path: Path, age_key: AgeKey) -> None:
    identity = Path(os.environ["SEALFILE_AGE_KEY_FILE"]).read_text().strip()
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("db_password: p-2\n", [age_key]))
    env = {"SEALFILE_AGE_KEY": identity, "SOPS_AGE_KEY": identity, "SOPS_AGE_KEY_FILE": "/k",
           "SEALFILE_SSH_KEY_FILE": "/ssh-k", "SOPS_AGE_SSH_PRIVATE_KEY_FILE": "/ssh-k",
           "SEALFILE_SIGNING_KEY": "/sign-k", "SEALFILE_KMS_TIMEOUT": "3"}
    child = json.loads(run_exec(path, "--", sys.executable, "-c", PRINT_ENV, env=env).stdout)
    assert child["DB_PASSWORD"] == "p-2"
    assert not set(KEY_MATERIAL) & set(child)
    assert "/ssh-k" not in child.values() and "/sign-k" not in child.values()  # every key file sealfile reads
    assert child["SEALFILE_KMS_TIMEOUT"] == "3"  # settings pass; only key material is removed
    kept = json.loads(run_exec(path, "--keep-key-env", "--", sys.executable, "-c", PRINT_ENV, env=env).stdout)
    assert kept["SEALFILE_AGE_KEY"] == identity and kept["SOPS_AGE_KEY_FILE"] == "/k"


def test_a_value_no_environment_can_hold_is_one_error(age_key: AgeKey, tmp_path: Path) -> None:
    path = tmp_path / "s.enc.yaml"  # YAML's escapes can hold a NUL
    path.write_text(seal_text('ok: v\nbad: "a\\0b"\n', [age_key]))
    done = run_exec(path, "--", "true")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{path}: bad: holds a NUL character" in done.stderr
    with pytest.raises(FormatError, match="holds a NUL character"):
        sealfile.load_env(path)


def test_a_lone_surrogate_never_reaches_the_environment() -> None:
    """No store reads one (YAML and JSON refuse the escape, SOPS turns it into U+FFFD), but a value
    from elsewhere (a plugin store) is still checked before any variable is set."""
    with pytest.raises(FormatError, match="holds text no environment variable can"):
        variables_for({"ok": "v", "bad": "s3cret-\ud800"})


def test_a_file_cannot_send_the_users_vault_token_elsewhere(age_key: AgeKey, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """hvac (as the vault CLI) sends the token of ~/.vault-token to VAULT_ADDR: a file that set it made
    exec's child send the user's own token to the file's host."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    tokens: list[str | None] = []

    class Vault(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            tokens.append(self.headers.get("X-Vault-Token"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"data": {"id": "t"}}')

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Vault)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = tmp_path / "vault-user"
    home.mkdir()
    (home / ".vault-token").write_text("s.the-users-own-token")
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(f"vault_addr: http://127.0.0.1:{server.server_port}\ndb_password: p\n", [age_key]))
    client = "import hvac; print(hvac.Client().is_authenticated())"
    for name in ("VAULT_ADDR", "VAULT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    try:
        done = run_exec(path, "--", sys.executable, "-c", client, env={"HOME": str(home)})
        assert done.returncode == 1
        assert "vault_addr: would set VAULT_ADDR, which changes how programs start or where they connect" in done.stderr
        assert tokens == []
        allowed = run_exec(path, "--allow-env", "VAULT_ADDR", "--", sys.executable, "-c", client,
                           env={"HOME": str(home)})
        assert allowed.returncode == 0, allowed.stderr
        assert tokens == ["s.the-users-own-token"]  # what the user allowed explicitly
    finally:
        server.shutdown()
