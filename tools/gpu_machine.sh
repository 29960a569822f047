#!/usr/bin/env bash
# Run the course on a GPU machine that has CUDA and JAX but no TensorFlow, no Keras and no network
# (the course's reference runs use one). What it needs travels with the project, git-ignored:
#   .whl/      wheels of Keras, nbval, the Jupyter kernel, keras-tuner (../shared/gpu/fetch-wheels.sh)
#   .gpudata/  mirror/ (files plus SHA256SUMS) and, over several calls, cifar0/ cifar1/ ... (see below)
# Usage, from the project root on that machine:
#   tools/gpu_machine.sh test [NOTEBOOKS...]     # nbval, smoke profile, JAX on the GPU
#   tools/gpu_machine.sh run full [PREFIXES...]  # the main job in a profile, JAX on the GPU
#   tools/gpu_machine.sh gather                  # only keep the CIFAR-10 part carried by this call
# CIFAR-10 (171 MB) does not fit one call's 64 MiB: split the npz into parts (cifar10.npz.part00, 01,
# ...), one folder each (.gpudata/cifar0, cifar1, ...; SHA256SUMS in cifar0), carry one folder per call
# (2026-11-25: 35 MB beside .whl and mirror in the first call, then 65, 65 and 6 MB); each call gathers
# what has arrived, and once every part is there the script assembles and verifies the file.
# WORKSHOP_CARRY names the folder holding .whl/ and .gpudata/ when the script runs from a snapshot of
# the project (e.g. one made with git archive, so that uncommitted work does not travel into the run).
set -u
carry=$(cd "${WORKSHOP_CARRY:-$(dirname "$0")/..}" && pwd)
cd "$(dirname "$0")/.."
store=/tmp/keras-workshop-gpu   # stays while the machine is held, between calls
mkdir -p "$store/mirror" "$store/parts"
for part in "$carry"/.gpudata/cifar*/; do [ -d "$part" ] && cp -n "$part"* "$store/parts/"; done
[ -d "$carry/.gpudata/mirror" ] && cp -n "$carry"/.gpudata/mirror/* "$store/mirror/" 2>/dev/null
if [ -f "$store/parts/SHA256SUMS" ] && [ ! -f "$store/mirror/cifar10.npz" ]; then
  expected=$(cut -d' ' -f1 "$store/parts/SHA256SUMS")
  cat "$store"/parts/cifar10.npz.part* > "$store/cifar10.npz.tmp"
  if [ "$(sha256sum "$store/cifar10.npz.tmp" | cut -d' ' -f1)" = "$expected" ]; then
    mv "$store/cifar10.npz.tmp" "$store/mirror/cifar10.npz"
    cat "$store/parts/SHA256SUMS" >> "$store/mirror/SHA256SUMS"
    echo "CIFAR-10 assembled and verified (sha256 $expected)"
  else
    rm -f "$store/cifar10.npz.tmp"
    echo "CIFAR-10: $(ls "$store"/parts/cifar10.npz.part* 2>/dev/null | wc -l) parts here, not complete yet"
  fi
fi
[ "${1:-}" = gather ] && exit 0
if [ ! -d "$store/site" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$store/site" "$carry"/.whl/*.whl || exit 1
fi
export PYTHONPATH="$store/site:$PWD" KERAS_BACKEND=jax PYTHONUNBUFFERED=1 WORKSHOP_DATA_MIRROR="$store/mirror"
export WORKSHOP_DATA_CACHE="$store/cache" WORKSHOP_OFFLINE=1
nvidia-smi -L
mode=${1:-test}; shift || true
case "$mode" in
  test) WORKSHOP_PROFILE=smoke python3 -m pytest -rs -p no:cacheprovider "${@:-notebooks}" ;;
  run)  profile=${1:-full}; shift || true; WORKSHOP_PROFILE=$profile python3 tools/runner.py "$@" ;;
  *)    echo "usage: $0 test [NOTEBOOKS...] | run PROFILE [PREFIXES...] | gather"; exit 2 ;;
esac
