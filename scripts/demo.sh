#!/usr/bin/env bash
# The main job, end to end: make a local age key, seal examples/secrets.yaml, load it from examples/app.py.
# Everything it writes goes under demo-work/ (git-ignored); your own keys are not touched.
set -euo pipefail
. "$(dirname "$0")/bootstrap.sh" ""
cd "$ROOT"
work="$ROOT/demo-work"
rm -rf "$work" && mkdir -p "$work"
export SEALFILE_AGE_KEY_FILE="$work/keys.txt"
unset SEALFILE_AGE_KEY

echo "== 1. create a local age key"
recipient=$(sealfile keygen)
echo "recipient: $recipient"

echo "== 2. seal examples/secrets.yaml -> demo-work/secrets.enc.yaml"
sealfile encrypt --age "$recipient" examples/secrets.yaml -o "$work/secrets.enc.yaml"
cat "$work/secrets.enc.yaml"

echo "== 3. verify it (MAC and every value) and show what a reviewer sees without keys"
sealfile verify "$work/secrets.enc.yaml"
sealfile status "$work/secrets.enc.yaml"

echo "== 4. load it from an application (examples/app.py)"
python examples/app.py "$work/secrets.enc.yaml"
