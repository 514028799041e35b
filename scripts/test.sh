#!/usr/bin/env bash
# The test suite, from a fresh machine: system packages for the real components, a virtualenv, pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/kms -k age).
set -euo pipefail
need=()
command -v age >/dev/null || need+=(age)
command -v gpg-agent >/dev/null || need+=(gnupg)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v git >/dev/null || need+=(git)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v dbus-daemon >/dev/null || need+=(dbus dbus-x11)
command -v zsh >/dev/null || need+=(zsh)    # the shell-completion tests run in real zsh and fish
command -v fish >/dev/null || need+=(fish)
command -v vim >/dev/null || need+=(vim)      # edit keeps vim from copying the plaintext out of its workspace
command -v man >/dev/null || need+=(man-db)   # exec refuses the variables that make man and groff run
command -v groff >/dev/null || need+=(groff-base)  # ...with a planted troff or macro file: the real programs
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
. "$(dirname "$0")/bootstrap.sh" "all,test"
cd "$ROOT"
# Two processes (pytest-xdist): each test is independent of the others and of their order, and most of a
# test's time is a child process (the CLI, git, gpg, a server) that a single pytest process would wait on.
# "-n 0" among the arguments runs everything in this one process (for --pdb, say).
python -m pytest -q -n 2 --dist worksteal "$@"
