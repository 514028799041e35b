#!/usr/bin/env bash
# Exploring: the property tests (pytest -m property) with fresh random examples, round after round, until
# the time budget is spent (default 600 s). The test command replays fixed examples; this looks for new ones.
# A failure stops at once and prints the example and the @reproduce_failure line to pin it with.
# Usage: scripts/explore.sh [SECONDS] [PYTEST ARGS...]
set -euo pipefail
budget="${1:-600}"
shift || true
. "$(dirname "$0")/bootstrap.sh" "all,test"
cd "$ROOT"
deadline=$((SECONDS + budget))
round=0
while [ "$SECONDS" -lt "$deadline" ]; do
  round=$((round + 1))
  echo "exploring: round $round ($((deadline - SECONDS)) s of ${budget} s left)"
  python -m pytest -q -p no:cacheprovider -m property --hypothesis-profile=explore -x "$@"
done
echo "exploring: $round round(s), no failure"
