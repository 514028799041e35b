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
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
. "$(dirname "$0")/bootstrap.sh" "all,test"
cd "$ROOT"
python -m pytest -q "$@"
