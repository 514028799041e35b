# Sourced by the other scripts: a project virtualenv in .venv with sealfile installed.
# Usage: . scripts/bootstrap.sh EXTRAS   (e.g. "" for the core, "all,test" for the test suite)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
extras="${1:-}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
stamp="$VENV/.installed-$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)-${extras:-core}"
if [ ! -e "$stamp" ]; then
  spec="$ROOT"
  [ -n "$extras" ] && spec="$ROOT[$extras]"
  "$VENV/bin/python" -m pip install -q -e "$spec"
  touch "$stamp"
fi
export PATH="$VENV/bin:$PATH"
# Bytecode for the editable sources: where PYTHONDONTWRITEBYTECODE is set, every sealfile process
# would otherwise compile each module it imports again (~0.1 s of CPU per command).
"$VENV/bin/python" -m compileall -q "$ROOT/src" >/dev/null
