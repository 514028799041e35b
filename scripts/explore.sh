#!/usr/bin/env bash
# Exploring: the property tests (pytest -m property) with fresh random examples, round after round, until
# the time budget is spent (default 600 s; at least one round). The test command replays fixed examples;
# this looks for new ones. A failure stops at once and prints the example and the @reproduce_failure line.
# SEALFILE_EXPLORE_SEED=N draws round r's examples from seed N+r-1, so a run can be repeated exactly;
# SEALFILE_EXPLORE_ROUNDS=R stops after R rounds whatever time is left.
# Usage: scripts/explore.sh [SECONDS] [PYTEST ARGS...]
set -euo pipefail
budget="${1:-600}"
shift || true
seed="${SEALFILE_EXPLORE_SEED:-}"
max_rounds="${SEALFILE_EXPLORE_ROUNDS:-0}"
. "$(dirname "$0")/bootstrap.sh" "all,test"
cd "$ROOT"
deadline=$((SECONDS + budget))
round=0
while [ "$round" -eq 0 ] || { [ "$SECONDS" -lt "$deadline" ] && { [ "$max_rounds" -eq 0 ] || [ "$round" -lt "$max_rounds" ]; }; }; do
  round=$((round + 1))
  seeded=()
  [ -n "$seed" ] && seeded=(--hypothesis-seed="$((seed + round - 1))")
  echo "exploring: round $round ($((deadline - SECONDS)) s of ${budget} s left)${seed:+, seed $((seed + round - 1))}"
  python -m pytest -q -p no:cacheprovider -m property --hypothesis-profile=explore -x "${seeded[@]}" "$@"
done
echo "exploring: $round round(s), no failure"
