#!/bin/sh
# Decrypt on the deploying machine (CI with a key, or an operator) and hand the values to the
# cluster as a Secret; nothing plaintext is written to disk. Then roll out the Deployment.
#
#   ./deploy.sh secrets.enc.yaml
#
# Needs: sealfile with a key that opens the file, kubectl configured for the cluster.
set -eu
here=$(dirname "$0")
sealed=${1:-"$here/secrets.enc.yaml"}

# Fail the deploy if a secret was not rotated for 90 days (sealfile status needs no key).
sealfile status --older-than 90d "$sealed" >/dev/null

sealfile decrypt --output-type k8s-secret --name worker-secrets --namespace jobs "$sealed" \
  | kubectl apply -f -
kubectl apply -f "$here/deployment.yaml"
kubectl -n jobs rollout restart deployment/worker
