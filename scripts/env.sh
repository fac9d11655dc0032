# Sourced by the other scripts: pins the interpreter IronGate builds against
# and the venv the tests run agents in. Override with IRONGATE_PYTHON.
#
# pyo3 reads PYO3_PYTHON at build time; we pin it so the build never depends
# on whatever `python3` a pyenv shim resolves to today.

irongate_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

find_python() {
  if [ -n "${IRONGATE_PYTHON:-}" ]; then echo "$IRONGATE_PYTHON"; return; fi
  local c
  for c in "$HOME"/.pyenv/versions/3.11*/bin/python3.11 /usr/local/bin/python3.11 "$(command -v python3.11 2>/dev/null)"; do
    [ -x "$c" ] || continue
    # The embedded interpreter needs a shared libpython.
    if "$c" -c 'import sysconfig,sys; sys.exit(0 if sysconfig.get_config_var("Py_ENABLE_SHARED") else 1)' 2>/dev/null; then
      echo "$c"; return
    fi
  done
}

PYO3_PYTHON="$(find_python)"
if [ -z "$PYO3_PYTHON" ]; then
  echo "irongate: no CPython 3.11 with a shared libpython found" >&2
  echo "hint: set IRONGATE_PYTHON=/path/to/python3.11 (built with --enable-shared)" >&2
  exit 125
fi
export PYO3_PYTHON
# The venv the integration tests and benchmarks run agents in.
export IRONGATE_TEST_VENV="${IRONGATE_TEST_VENV:-$irongate_root/target/test-venv}"
