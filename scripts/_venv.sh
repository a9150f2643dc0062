# Sourced by the other scripts: makes .venv and installs the wiki into it.
# Usage: ensure_venv [extra]   e.g. ensure_venv test
ensure_venv() {
  local extra="${1:-}"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      # Debian ships venv support separately (python3-venv).
      if command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's python3-venv (needed to create a virtual environment)..." >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-venv >/dev/null
      fi
      "$python" -m venv .venv || { echo "Could not create a virtual environment with $python." >&2; exit 1; }
    fi
  fi
  local spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  # Reinstall only when pyproject.toml changed since the last install.
  local stamp=".venv/.installed-${extra:-run}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet --editable "$spec"
    touch "$stamp"
  fi
}

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one).
# Usage: ensure_chromium [required]   without "required", a machine where it cannot be
# installed only skips the browser tests (pytest says why).
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; fi
  fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "Installing Debian's chromium for the browser tests..." >&2
    $sudo apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null; } \
      || true
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "${1:-}" = "required" ]; then
      echo "Chromium is required for the browser tests and could not be installed." >&2
      exit 1
    fi
    echo "Note: no chromium here (apt-get install chromium); the browser tests will be skipped." >&2
  fi
}
