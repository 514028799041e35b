"""Secrets into a process environment: the one trust boundary of ``exec``, ``load_env`` and
``load_secrets(env=True)``.

A sealed file is attacker-controlled input (docs/security.md §1), and an environment variable
can do more than hold a value: ``BASH_ENV`` makes every bash script source a file, ``LD_PRELOAD``
loads a library into every program, ``PYTHONSTARTUP``, ``NODE_OPTIONS``, ``PERL5OPT``,
``GIT_SSH_COMMAND`` and many more run code, ``HOME``/``XDG_*``/``KUBECONFIG`` choose the
configuration files programs read (some run commands), proxies and CA bundles choose where
requests go, and ``VAULT_ADDR``, ``DOCKER_HOST``, ``AWS_EC2_METADATA_SERVICE_ENDPOINT``... choose where
a client sends the token or credentials it finds on its own (``~/.vault-token``, the instance's role).
What a caller may rely on:

- **No hook from a file.** A value whose name is in :data:`HOOK_NAMES` or starts with one of
  :data:`HOOK_PREFIXES` (case ignored) is refused with an error naming its key path, unless that
  name is allowed explicitly (``--allow-env NAME``, ``allow_env=[...]``). The check is on the final
  name, so a prefix such as ``APP_`` makes every name safe, and a prefix cannot make one unsafe.
- **No name a shell keeps for itself.** A name in :data:`SHELL_OWN` or starting with one of
  :data:`SHELL_OWN_PREFIXES` (exact case, as shells go) is refused the same way: a shell the value passes
  through (``. ./.env``, the ``sh -c`` or script a command runs as) keeps its own value (bash's ``UID``,
  ``RANDOM``, ``PWD``), reads it as arithmetic or a change of user (zsh's ``HISTSIZE``, ``USERNAME``), or
  does not start at all (dash: ``OPTIND=x`` ends every ``/bin/sh`` script with "Illegal number").
- The same check, with the same message and ``allow_env``, for every output that becomes an environment:
  ``exec``, ``load_env``, ``load_secrets(env=True)``, the dotenv and Kubernetes Secret outputs, and a dotenv
  file's own plaintext (``decrypt``, ``exec-file``). The pydantic integration sets no variable from a file.
- **One default for variables already set:** they are kept (as dotenvx and python-dotenv do, so
  the deployment can override a file); ``override=True`` (``exec --override``) replaces them.
- **The child of exec does not inherit the master identity:** :data:`KEY_MATERIAL` (age identities
  and the files that hold them, the signing key) is removed from its environment unless the user
  asks to keep it (``exec --keep-key-env``).
- A value no environment can hold (a NUL character, a lone surrogate) is an error naming its key
  path, never a crash (:mod:`sealfile.runtime.flatten` refuses it for every output).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping, MutableMapping
from typing import Any

from sealfile.errors import ConfigError
from sealfile.model.paths import Path, format_keypath
from sealfile.runtime.flatten import flatten_with_origins

HOOK_NAMES = frozenset({
    # shells: files they source, code they run while starting or prompting, where they look up commands
    "BASH_ENV", "ENV", "PS4", "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "IFS", "CDPATH", "GLOBIGNORE", "FPATH",
    "ZDOTDIR", "INPUTRC", "PATH", "SHELL", "HOME", "NULLCMD", "READNULLCMD",  # zsh runs these for `> file`, `< file`
    "PS0", "PS1", "PS2", "PS3", "HISTFILE",  # an interactive bash expands $(...) in prompts; where history goes
    # zsh's names for its prompts, expanded with $(...) under PROMPT_SUBST (set by oh-my-zsh and most themes)
    "PROMPT", "PROMPT2", "PROMPT3", "PROMPT4", "RPROMPT", "RPROMPT2", "RPS1", "RPS2", "SPROMPT", "PROMPT_EOL_MARK",
    # programs other programs start, and commands editors run as they start
    "EDITOR", "VISUAL", "PAGER", "MANPAGER", "BROWSER", "LESSOPEN", "LESSCLOSE", "SSH_ASKPASS",
    # less runs LESS's "+!cmd" as it opens a file, and a lesskey file's #env section sets its LESSOPEN; an
    # interactive bash or zsh expands $(...) in a MAILPATH message when that file grows (a repo's reflog)
    "LESS", "LESSEDIT", "LESSHISTFILE", "MAILPATH",
    "SSH_ASKPASS_REQUIRE", "SUDO_ASKPASS", "SUDO_EDITOR", "FCEDIT", "SVN_EDITOR", "HGEDITOR", "HGRCPATH",
    "VIMINIT", "GVIMINIT", "EXINIT", "MYVIMRC",
    # the C library and dynamic loader; the resolver's search domains (a host "db" looked up as "db.DOMAIN")
    "GCONV_PATH", "GLIBC_TUNABLES", "HOSTALIASES", "LOCPATH", "NLSPATH", "RESOLV_HOST_CONF", "TZDIR", "LOCALDOMAIN",
    "RES_OPTIONS",
    # interpreters and tool chains; make reads options (--eval runs $(shell ...)) and makefiles from these,
    # and the JVM launchers of build tools pass their *_OPTS to the JVM (-javaagent loads code)
    "CLASSPATH", "TCLLIBPATH", "GOFLAGS", "GOPROXY", "GOENV", "GOTOOLCHAIN", "RUSTC_WRAPPER", "RUSTFLAGS",
    # go runs the compiler of GOROOT, and trusts the sources and objects of its module and build caches;
    # GOAUTH runs a command, and the others turn off where and how modules are checked
    "GOROOT", "GOPATH", "GOBIN", "GOMODCACHE", "GOCACHE", "GOTOOLDIR", "GOAUTH", "GOVCS", "GOINSECURE",
    "GOSUMDB", "GONOSUMDB", "GONOSUMCHECK", "GONOPROXY", "GOPRIVATE", "IPYTHONDIR", "BZR_PLUGIN_PATH", "DENO_DIR",
    "MAKEFLAGS", "GNUMAKEFLAGS", "MFLAGS", "MAKEFILES", "MAVEN_OPTS", "MAVEN_ARGS", "GRADLE_OPTS", "SBT_OPTS",
    "ANT_OPTS", "ELECTRON_RUN_AS_NODE",
    # the programs and flags C tool chains run (make's implicit rules, autoconf, cgo, CMake, cargo's build
    # scripts): CC names a program, and gcc's -wrapper or -fplugin= in CFLAGS runs or loads one
    "CC", "CXX", "CPP", "LD", "AR", "AS", "NM", "RANLIB", "STRIP", "OBJCOPY", "FC", "F77", "MAKE", "YACC", "LEX",
    "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "FFLAGS", "LIBS", "PKG_CONFIG", "PKG_CONFIG_PATH",
    "PKG_CONFIG_LIBDIR", "RUSTC", "RUSTDOC", "CMAKE_TOOLCHAIN_FILE", "CMAKE_PROJECT_INCLUDE",
    # commands other clients run to connect, and start-up files they read (psql runs \! lines of PSQLRC)
    "SVN_SSH", "RSYNC_RSH", "RSYNC_CONNECT_PROG", "CVS_RSH", "PSQLRC", "MYSQL_HOME", "TERMINFO", "TERMINFO_DIRS",
    # configuration files programs read (some of which run commands)
    "KUBECONFIG", "DOCKER_CONFIG", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "BOTO_CONFIG",
    "GNUPGHOME", "CURL_HOME", "WGETRC", "NETRC", "HELM_PLUGINS", "HELM_CONFIG_HOME", "HELM_DATA_HOME",
    "TF_PLUGIN_CACHE_DIR",
    # where a client sends the token or credentials it finds on its own (~/.vault-token, the instance's
    # role...), and which credentials or identity it uses: as a sealed file may not choose them for sealfile
    "VAULT_ADDR", "VAULT_AGENT_ADDR", "VAULT_CACERT", "VAULT_CAPATH", "VAULT_SKIP_VERIFY", "BAO_ADDR",
    "BAO_AGENT_ADDR", "BAO_CACERT", "BAO_CAPATH", "BAO_SKIP_VERIFY", "CONSUL_HTTP_ADDR", "NOMAD_ADDR",
    "DOCKER_HOST", "DOCKER_CERT_PATH", "CONTAINER_HOST", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
    "KUBERNETES_SERVICE_PORT_HTTPS", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "GOOGLE_APPLICATION_CREDENTIALS", "GCE_METADATA_HOST",
    "GCE_METADATA_ROOT", "GCE_METADATA_IP", "AZURE_POD_IDENTITY_AUTHORITY_HOST",  # the instance's identity
    "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "IDENTITY_ENDPOINT", "MSI_ENDPOINT", "IMDS_ENDPOINT",
    "AZURE_FEDERATED_TOKEN_FILE", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "SSH_AUTH_SOCK",
    # where requests go, whom TLS trusts, where TLS keys are written
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "AWS_CA_BUNDLE", "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", "SSLKEYLOGFILE",
    "AZURE_AUTHORITY_HOST", "AWS_DATA_PATH",  # botocore reads each service's endpoint rules there first
    # which display a GUI (an askpass dialog asking for a key's passphrase) appears on
    "DISPLAY", "WAYLAND_DISPLAY",
    # options a tool reads as its own command line, and the editors, pagers and browsers one tool runs:
    # TAR_OPTIONS='--checkpoint-action=exec=...' runs a command in every tar, MANOPT='-P cmd' man's pager
    "TAR_OPTIONS", "MANOPT", "KUBE_EDITOR", "PSQL_EDITOR", "PSQL_PAGER", "GH_EDITOR", "GH_PAGER", "GH_BROWSER",
    "AWS_PAGER", "SYSTEMD_PAGER", "SYSTEMD_EDITOR", "CVSEDITOR", "PSQL_WATCH_PAGER", "GLAB_PAGER", "BAT_PAGER",
    "DELTA_PAGER", "KUBECTL_EXTERNAL_DIFF", "HGMERGE", "SVN_MERGE", "FZF_DEFAULT_COMMAND", "FZF_DEFAULT_OPTS",
    "RIPGREP_CONFIG_PATH", "STARSHIP_CONFIG", "SCREENRC",  # rg's --pre=, fzf's --preview= and starship run commands
    "MANROFFOPT", "PYTEST_ADDOPTS", "PYTEST_PLUGINS",  # groff's -U runs .sy lines of a -m macro file; pytest's -p
    # the program or plug-ins a tool runs, the code it evaluates (a Vagrantfile is Ruby), version managers' shims
    "TERRAGRUNT_TFPATH", "TG_TF_PATH", "PACKER_PLUGIN_PATH", "PULUMI_HOME", "VAGRANT_CWD", "VAGRANT_HOME", "NIX_PATH",
    "ASDF_DIR", "ASDF_DATA_DIR", "ASDF_CONFIG_FILE", "VOLTA_HOME", "RBENV_ROOT", "NODENV_ROOT", "GOENV_ROOT",
    "JENV_ROOT", "ESBUILD_BINARY_PATH", "PRISMA_QUERY_ENGINE_LIBRARY", "PUPPETEER_EXECUTABLE_PATH",
    # where gcc finds the programs it runs (cc1, as, collect2), the file every ./configure sources, and the
    # directories and lists programs load modules and start-up code from
    "GCC_EXEC_PREFIX", "COMPILER_PATH", "CONFIG_SITE", "GTK_MODULES", "GTK_PATH", "QT_PLUGIN_PATH", "VIMRUNTIME",
    "EMACSLOADPATH", "ELIXIR_ERL_OPTIONS", "MONO_ENV_OPTIONS", "ANSIBLE_CONFIG",
})
HOOK_PREFIXES = (
    "LD_", "DYLD_", "BASH_FUNC_", "PYTHON", "NODE_", "NPM_CONFIG_", "YARN_", "PERL", "RUBY", "GEM_", "BUNDLE_",
    "JAVA_", "_JAVA_", "JDK_JAVA_", "DOTNET_", "CORECLR_", "COMPLUS_", "COR_", "PHP", "LUA_", "R_PROFILE",
    "R_ENVIRON", "PIP_", "CARGO_", "GIT_", "MALLOC_", "OPENSSL_", "XDG_", "AWS_ENDPOINT_URL", "CLOUDSDK_",
    "TF_CLI_", "CGO_", "CCACHE_", "DISTCC_", "CMAKE_C",  # CMAKE_<LANG>_COMPILER_LAUNCHER runs a program
    "SEALFILE_", "SOPS_",  # a file must not configure sealfile (or sops) in the child either
    "ERL_",  # the Erlang VM's flags (-eval runs code) and library path
    "UV_", "POETRY_", "PIPENV_", "PDM_", "CONDA_",  # where Python's package managers install code from, as PIP_
    "LESSKEY",  # LESSKEY, LESSKEYIN, LESSKEY_CONTENT (the lesskey text itself: #env LESSOPEN=|cmd)
    "JULIA_", "R_LIBS", "JUPYTER_", "ANSIBLE_", "PYENV_",  # start-up code, libraries, modules, interpreters
    "GROFF_",  # GROFF_BIN_PATH: where groff (under man) finds the troff it runs
    "COREPACK_",  # where corepack (node's yarn and pnpm) takes the package manager it runs from, unchecked
    "AZURE_KUBERNETES_",  # where azure-identity's token proxy sends the pod's federated token, and its TLS trust
)
SETTINGS_UNDER_HOOK_PREFIXES = frozenset({"NODE_ENV", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"})
"""Names a hook prefix covers that only set a mode (no code, path, host or trust): ``NODE_ENV`` is in most
Node projects' ``.env`` files."""
KEY_MATERIAL = ("SEALFILE_AGE_KEY", "SEALFILE_AGE_KEY_FILE", "SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE",
                "SEALFILE_SSH_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SEALFILE_SIGNING_KEY")
"""Variables through which sealfile finds its identities (age, SSH, the signing key): not passed to the
child of ``exec``. Spelled here, not imported, so that ``load_env`` loads no key module; a test checks them
against the modules that read them."""


# Names a shell keeps for itself. Sourcing ``UID='1000'`` or ``RANDOM='x'`` leaves bash's own value (or an
# error); from the environment, bash replaces ``PWD``, ``OPTERR``, ``SHLVL``..., zsh ``OSTYPE``, ``TTY``...,
# and dash stops at ``OPTIND=x``; zsh (macOS's shell) reads a sourced ``HISTSIZE='x'`` or ``COLUMNS='x'`` as
# arithmetic and, run as root, takes ``USERNAME='x'``/``GID='x'`` as a change of user or group. bash's, then
# zsh's; tests list every name each shell knows and check that the others pass through both ways.
SHELL_OWN = frozenset({
    "_", "BASH", "BASHOPTS", "BASHPID", "COMP_WORDBREAKS", "DIRSTACK", "EPOCHREALTIME", "EPOCHSECONDS", "EUID",
    "FUNCNAME", "GROUPS", "HISTCMD", "LINENO", "OLDPWD", "OPTERR", "OPTIND", "PIPESTATUS", "PPID", "PWD", "RANDOM",
    "SECONDS", "SHELLOPTS", "SHLVL", "SRANDOM", "UID",
    "ARGC", "COLUMNS", "CPUTYPE", "EGID", "ERRNO", "FUNCNEST", "GID", "HISTCHARS", "HISTSIZE", "KEYBOARD_HACK",
    "KEYTIMEOUT", "LINES", "LISTMAX", "MACHTYPE", "MAILCHECK", "OSTYPE", "SAVEHIST", "TRY_BLOCK_ERROR",
    "TRY_BLOCK_INTERRUPT", "TTY", "TTYIDLE", "USERNAME", "VENDOR", "ZLE_RPROMPT_INDENT",
})
SHELL_OWN_PREFIXES = ("BASH_", "ZSH_")  # each shell's own family (BASH_VERSION, BASH_ARGV, ZSH_NAME...)

_HOOK = "changes how programs start or where they connect"
_OWN = "which a shell keeps for itself (through a .env or a shell, the value is lost or the shell stops)"


class UnsafeVariableError(ConfigError):
    """A file value would set a variable that changes how programs start or where they connect, or one a
    shell keeps for itself."""


def is_hook(name: str) -> bool:
    upper = name.upper()
    return upper in HOOK_NAMES or (upper.startswith(HOOK_PREFIXES) and upper not in SETTINGS_UNDER_HOOK_PREFIXES)


def is_shell_own(name: str) -> bool:
    return name in SHELL_OWN or name.startswith(SHELL_OWN_PREFIXES)


def refusal(name: str) -> str | None:
    """Why a file may not set ``name`` (unless allowed by name), or ``None``: the one test of every output."""
    if is_hook(name):
        return f"which {_HOOK}"
    return _OWN if is_shell_own(name) else None


def allowed_names(allow: Collection[str]) -> set[str]:
    """The names ``allow_env`` lets through, upper-cased. One string is refused, not read as its letters:
    ``allow_env="PATH"`` would allow ``P``, ``A``, ``T`` and ``H``, and refuse ``PATH`` saying to allow it."""
    if isinstance(allow, (str, bytes)) or not isinstance(allow, Iterable):
        raise TypeError(f"the names to allow are a list of strings such as ['PATH'], not {type(allow).__name__}")
    allowed = set()
    for name in allow:
        if not isinstance(name, str):
            raise TypeError(f"a name to allow is a string such as 'PATH', not {type(name).__name__}")
        allowed.add(name.upper())
    return allowed


def variables_for(tree: Any, prefix: str = "", allow: Collection[str] = ()) -> dict[str, str]:
    """``NAME -> value`` for every value of ``tree``, checked (see the module docstring)."""
    return checked_variables(tree, prefix, allow)[0]


def checked_variables(tree: Any, prefix: str = "",
                      allow: Collection[str] = ()) -> tuple[dict[str, str], dict[str, Path]]:
    """:func:`variables_for`, and the key path each name comes from; also for the outputs a deployment
    turns into an environment (dotenv, a Kubernetes Secret for ``envFrom``)."""
    names, origins = flatten_with_origins(tree, prefix)
    check_names(((name, origins[name]) for name in names), allow)
    return names, origins


def check_names(names: Iterable[tuple[str, Path]], allow: Collection[str] = ()) -> None:
    """Refuse the first of ``(name, key path)`` a file may not set (:func:`refusal`), unless ``allow`` names it."""
    allowed = allowed_names(allow)
    for name, path in names:
        why = refusal(name)
        if why is not None and name.upper() not in allowed:
            raise UnsafeVariableError(f"would set {name}, {why}; refused (put a prefix in front of the names, "
                                      f"or allow {name} explicitly)", keypath=format_keypath(path))


def export(environment: MutableMapping[str, str], names: Mapping[str, str], *, override: bool) -> dict[str, str]:
    """Set ``names`` in ``environment``; a variable already set is kept unless ``override``. Returns what
    ``environment`` now holds for each of ``names`` (a kept variable's own value, not the file's)."""
    held = {}
    for name, value in names.items():
        if override or name not in environment:
            environment[name] = value
        held[name] = environment[name]
    return held


def child_environment(names: Mapping[str, str], *, override: bool, keep_key_material: bool) -> dict[str, str]:
    """The environment for ``exec``'s child: ours without :data:`KEY_MATERIAL` (unless kept), plus ``names``."""
    environment = dict(os.environ)
    if not keep_key_material:
        for name in KEY_MATERIAL:
            environment.pop(name, None)
    export(environment, names, override=override)
    return environment


def dotenv_for_an_environment(text: str, allow_env: Collection[str] = (), *, sops: bool = False,
                              names: Collection[str] | None = None) -> str:
    """A dotenv file's own plaintext as ``decrypt`` prints it and ``exec-file`` pipes it: its bindings become
    variables wherever it goes (``set -a; . ./.env``, ``--env-file``, ``EnvironmentFile=``, a Secret made
    ``--from-env-file``), so its names pass the check converted outputs pass (``BASH_ENV``, ``LD_PRELOAD``...
    refused unless allowed), and a line ending in CRLF is given as a shell reads it (a SOPS file's, as sops
    prints it). ``names``: the bindings' names if known (a sealed file's, read as it was opened), else read here."""
    from sealfile.stores.dotenv_shell import as_a_shell_reads

    if names is None and sops:  # read as sops reads its own output (python-dotenv refuses some of its values)
        from sealfile.sops.flatstores import read_dotenv
        names = [name for name, _ in read_dotenv(text)[0].entries()]
    elif names is None:
        from sealfile.stores import get_store
        names = list(get_store("dotenv").load_fast(text))
    check_names(((name, (name,)) for name in names), allow_env)
    return text if sops else as_a_shell_reads(text)
