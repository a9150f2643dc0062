# Sourced by the other scripts: makes .venv and installs the wiki into it, with the versions
# pinned in constraints.txt (scripts/lock writes it; the ranges are in pyproject.toml).
# Usage: ensure_venv [extra]   e.g. ensure_venv test

# Whether this script may run commands as root without asking for a password: it is root,
# or sudo needs no password. The scripts never prompt for one.
can_run_as_root() {
  [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

# Runs "$@" as root (see can_run_as_root), saying so first.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    echo "Running: $*" >&2
    "$@"
  else
    echo "Running: sudo $*" >&2
    sudo -n "$@"
  fi
}

# Debian's libmagic1, which python-magic loads to tell a file's type from its bytes: the wiki
# does not start without it. Installed when missing and possible (as ensure_chromium does);
# otherwise the command to run is printed and the script stops.
ensure_libmagic() {
  if command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1'; then
    return 0
  fi
  ls /usr/lib/*/libmagic.so.1 /usr/lib/libmagic.so.1 >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || return 0  # elsewhere: the system's own package
  if ! can_run_as_root; then
    echo "The wiki needs Debian's libmagic1; installing it needs root (this is neither root" >&2
    echo "nor allowed password-less sudo): run  sudo apt-get update && sudo apt-get install -y libmagic1  then $0 again." >&2
    exit 1
  fi
  echo "The wiki needs Debian's libmagic1 (to tell a file's type from its bytes)." >&2
  as_root apt-get install -y -qq libmagic1 >/dev/null 2>&1 \
    || { as_root apt-get update -qq && as_root apt-get install -y -qq libmagic1 >/dev/null; }
}

ensure_venv() {
  local extra="${1:-}"
  ensure_libmagic
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      # Debian ships venv support separately (python3-venv).
      if command -v apt-get >/dev/null 2>&1; then
        echo "Creating a virtual environment needs Debian's python3-venv." >&2
        if ! can_run_as_root; then
          echo "Installing it needs root (this is neither root nor allowed password-less sudo):" >&2
          echo "run  sudo apt-get update && sudo apt-get install -y python3-venv  then $0 again." >&2
          exit 1
        fi
        as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv >/dev/null
      fi
      "$python" -m venv .venv || { echo "Could not create a virtual environment with $python." >&2; exit 1; }
    fi
  fi
  local spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  # Reinstall only when pyproject.toml or constraints.txt changed since the last install.
  local stamp=".venv/.installed-${extra:-run}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet --constraint constraints.txt --editable "$spec"
    touch "$stamp"
  fi
}

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one).
# Usage: ensure_chromium [required]   without "required", a machine where it cannot be
# installed only skips the browser tests (pytest says why).
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  local how="sudo apt-get update && sudo apt-get install -y chromium"
  if command -v apt-get >/dev/null 2>&1 && can_run_as_root; then
    echo "The browser tests need Debian's chromium." >&2
    as_root apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { as_root apt-get update -qq && as_root apt-get install -y -qq chromium >/dev/null; } \
      || true
  elif command -v apt-get >/dev/null 2>&1; then
    echo "The browser tests need Debian's chromium; installing it needs root (this is neither" >&2
    echo "root nor allowed password-less sudo). To run them: $how" >&2
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "${1:-}" = "required" ]; then
      echo "Chromium is required for the browser tests and could not be installed ($how)." >&2
      exit 1
    fi
    echo "Note: no chromium here, so the browser tests will be skipped." >&2
  fi
}
