#!/usr/bin/env bash
# The main job on the embedded default: a local cluster, a tiny workload with a volume on it,
# its backup, and its restore as a copy in another namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${LOCAL_CLUSTER_DIR:-.local-cluster}

npx velero-ts local-cluster up --dir "$dir"
export KUBECONFIG="$(cd "$dir" && pwd)/kubeconfig"
kubectl apply -f examples/demo.yaml
kubectl rollout status deployment/demo -n demo --timeout=120s
kubectl get nodes,pods,pvc -A -o wide

# A backup of the demo namespace into the default location ($dir/storage, provider filesystem).
backup="demo-$(date +%Y%m%d%H%M%S)"
npx velero-ts backup create "$backup" --include-namespaces demo --wait
npx velero-ts backup describe "$backup" --details
ls -l "$dir/storage/backups/$backup"

# Restore it as a copy in namespace demo-copy: first the plan (nothing changes), then the restore.
npx velero-ts restore create "$backup-copy" --from-backup "$backup" --namespace-mappings demo:demo-copy --dry-run
npx velero-ts restore create "$backup-copy" --from-backup "$backup" --namespace-mappings demo:demo-copy --wait
npx velero-ts restore describe "$backup-copy"
kubectl get all,pvc -n demo-copy

# The delta of restoring the same backup onto the copy again: what would change, field by field.
npx velero-ts restore create --from-backup "$backup" --namespace-mappings demo:demo-copy \
  --existing-resource-policy update --dry-run | sed -n '/^Delta/,$p'
echo
echo "The cluster keeps running. Use it with:  export KUBECONFIG=$KUBECONFIG"
echo "Stop it with:                          npx velero-ts local-cluster down --dir $dir"
