#!/usr/bin/env bash
# Compiles pyproject.toml into requirements/<name>.txt: exact versions with hashes, resolved
# with uv for every platform from Python 3.11 on (markers pick the right pins; this project's
# machines run 3.11 on Linux x86_64). `make lock` runs it; it takes seconds.
#
# runtime.txt holds what the app needs; each extra's file holds the app plus that extra.
# Every file is constrained by the ones before it, so a package pinned in two files has the
# same version in both and installing several of them into one venv never flips a version.
# Existing pins are kept unless pyproject.toml needs a change; `make lock UPGRADE=1` takes
# the newest allowed versions.
set -euo pipefail
cd "$(dirname "$0")/.."

uv=${VENV:-.venv}/bin/uv
extras=(test browser stress bench audit)
# uv's default index only (--no-config, and uv does not read pip's settings): the lock must
# not depend on a package mirror that only one machine has.
args=(--quiet --generate-hashes --universal --python-version 3.11 --no-config
      --custom-compile-command "make lock")
[ -n "${UPGRADE:-}" ] && args+=(--upgrade)

mkdir -p requirements
"$uv" pip compile "${args[@]}" --output-file requirements/runtime.txt pyproject.toml
constraints=(--constraint requirements/runtime.txt)
for extra in "${extras[@]}"; do
  "$uv" pip compile "${args[@]}" --extra "$extra" "${constraints[@]}" \
    --output-file "requirements/$extra.txt" pyproject.toml
  constraints+=(--constraint "requirements/$extra.txt")
done
echo "lock: requirements/{runtime,$(IFS=,; echo "${extras[*]}")}.txt"
