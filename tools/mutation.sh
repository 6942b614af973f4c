#!/usr/bin/env bash
# Mutation testing of the core's pure decisions (mutmut: .venv/bin/pip install mutmut).
#   tools/mutation.sh                      core/reconcile.py, core/backoff.py, core/markall.py
#   tools/mutation.sh FILE.py... -- TESTS  other modules, against other test files
# Runs in a scratch copy of the tree (nothing is left in it) and prints the mutants
# that survived, then the score; fails unless every mutant was killed. A survivor is
# a rule no test states: kill it with a test, or, where it cannot change behaviour,
# say why on its line with "# pragma: no mutate". KEEP=1 keeps the copy (mutmut show).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-$PWD/.venv/bin/python}
modules=(traynotify/core/reconcile.py traynotify/core/backoff.py traynotify/core/markall.py)
tests=(tests/test_reconcile.py tests/test_backoff.py tests/test_markall.py)
if [ $# -gt 0 ]; then
  modules=() tests=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do modules+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  tests=("$@")
fi
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "scratch copy: $work (mutmut show NAME there)"; else trap 'rm -rf "$work"' EXIT; fi
cp -r traynotify tests pyproject.toml "$work"/
find "$work" -name __pycache__ -prune -exec rm -rf {} +
cd "$work"
"$python" - "${#modules[@]}" "${modules[@]}" "${tests[@]}" <<'PY'
import json, re, sys
n = int(sys.argv[1])
modules, tests = sys.argv[2 : 2 + n], sys.argv[2 + n :]
text = open("pyproject.toml").read()
text = re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", text)  # ours, whatever it says
text += "\n[tool.mutmut]\n"
text += f"source_paths = [\"traynotify\"]\nonly_mutate = {json.dumps(modules)}\n"
text += f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
text += 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:xvfb", "-W", "ignore::pytest.PytestConfigWarning", "-q"]\n'
open("pyproject.toml", "w").write(text)
PY
env -u PYTHONUNBUFFERED -u PYTHONDONTWRITEBYTECODE "$python" -m mutmut run --max-children "${JOBS:-2}" >mutmut.log 2>&1 || {
  tail -40 mutmut.log
  exit 1
}
"$python" -m mutmut results --all true >results.txt
grep -v ': killed$\|: timeout$' results.txt || true
"$python" - <<'PY'
import sys
lines = [l.strip() for l in open("results.txt") if l.strip()]
status = [l.rsplit(": ", 1)[-1] for l in lines]
caught = status.count("killed") + status.count("timeout")  # a mutant that hangs is caught too
print(f"mutation score: {caught} of {len(status)} mutants killed")
sys.exit(0 if status and caught == len(status) else 1)
PY
