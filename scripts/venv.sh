# Sourced by scripts/start and scripts/test: make (once) and enter the project's virtual
# environment in .venv, so both commands work with Debian's own python3 (PEP 668 refuses
# `pip install` into the system Python).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${AIENERGY_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    # Debian ships venv and ensurepip in a separate package.
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null
  fi
  echo "Creating the project's virtual environment in $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"

# Install a requirements file only when it changed since the last install into this venv.
install_requirements() {
  local req="$1" stamp
  stamp="$VENV/.installed-$(basename "$req")"
  local want
  want="$(cat "$ROOT/$req" "$ROOT"/requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    python -m pip install -q --disable-pip-version-check -r "$ROOT/$req"
    echo "$want" >"$stamp"
  fi
}
