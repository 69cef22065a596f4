#!/usr/bin/env bash
# make test-others: the committed outputs and the unit tests under every other supported
# Python found on this machine (python3.11 ... python3.14, on PATH or under pyenv),
# besides the one make test already used (BOOT_PYTHON).
#
# For each: the tracked files are copied to $OTHERS/<version>/src (a fixed path, so the
# environment's editable install stays valid), an environment is built there from the
# same lock ($OTHERS/<version>/venv, kept between runs), make all regenerates every
# output in the copy, which is then compared with outputs.sha256 (the copy has no git,
# as an archive), and the unit tests run with a quick Hypothesis profile, leaving out
# the tests that only exercise make and Binder (the default interpreter runs those).
set -euo pipefail
cd "$(dirname "$0")/.."
OTHERS=${OTHERS:-.venv-others}
DEFAULT=$("${BOOT_PYTHON:-python3}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
SUPPORTED="3.11 3.12 3.13 3.14"

find_python() {  # an interpreter of version $1 that runs, or nothing
  local v=$1 exe
  for exe in "$(command -v "python$v" || true)" $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" 2>/dev/null | sort -V -r); do
    [ -n "$exe" ] && [ -x "$exe" ] || continue
    if [ "$("$exe" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$v" ]; then
      "$exe" -c 'import sys; print(sys.executable)'; return
    fi
  done
}

found=()
for v in $SUPPORTED; do
  [ "$v" = "$DEFAULT" ] && continue
  exe=$(find_python "$v")
  [ -n "$exe" ] && found+=("$v=$exe")
done
if [ ${#found[@]} -eq 0 ]; then
  echo "other Pythons: none found besides $DEFAULT (looked for ${SUPPORTED// /, })"; exit 0
fi
echo "other Pythons found besides $DEFAULT: ${found[*]}"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list_files() { git ls-files -z --cached --others --exclude-standard; }
else
  list_files() { find . -path ./.git -prune -o -path './.venv*' -prune -o -path ./.make -prune \
                   -o -name __pycache__ -prune -o -type f -print0; }
fi

status=0
for entry in "${found[@]}"; do
  v=${entry%%=*}; exe=${entry#*=}
  base=$(pwd)/$OTHERS/$v
  start=$SECONDS
  echo "== Python $v ($exe)"
  rm -rf "$base/src" && mkdir -p "$base/src"
  list_files | xargs -0 cp --parents -p -t "$base/src"
  (
    cd "$base/src"
    make --no-print-directory env VENV="$base/venv" BOOT_PYTHON="$exe" >/dev/null
    make --no-print-directory all VENV="$base/venv" BOOT_PYTHON="$exe" >/dev/null
    "$base/venv/bin/python" -m painreview check-outputs
    "$base/venv/bin/python" -m pytest -q -x -p no:cacheprovider --hypothesis-profile=quick tests \
      --ignore=tests/test_make.py --ignore=tests/test_binder.py --ignore=tests/test_citation.py | tail -1
  ) || { echo "Python $v: FAILED"; status=1; }
  echo "== Python $v: $((SECONDS - start)) s"
done
exit $status
