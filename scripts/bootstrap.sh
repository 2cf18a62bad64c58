#!/usr/bin/env bash
# Entry point of `npm start` and `npm test` on a fresh machine that has only Node and npm:
# installs pnpm (through npm), the workspace packages and the system programs it needs (apt),
# or stops with one line saying exactly what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:?usage: bootstrap.sh start|test}"
PNPM_VERSION="10.34.8"

say() { echo "[switchyard] $*" >&2; }

apt_install() {
  local pkg="$1" bin="$2"
  command -v "$bin" >/dev/null 2>&1 && return 0
  local sudo=""
  if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      say "missing $bin: install it with 'sudo apt-get install -y $pkg' and run again"; exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing $bin: install the $pkg package with your system's package manager and run again"; exit 1
  fi
  say "installing $pkg through apt"
  $sudo apt-get install -y -q "$pkg" >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q "$pkg" >/dev/null; } || {
    say "could not install $pkg: run 'sudo apt-get install -y $pkg' and run again"; exit 1; }
  command -v "$bin" >/dev/null 2>&1 || { say "$pkg installed but $bin is not on PATH"; exit 1; }
}

if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  PNPM=(pnpm)
else
  PNPM=(npx --yes "pnpm@$PNPM_VERSION")
fi

apt_install redis-server redis-server
# The page tests drive Debian's Chromium through playwright-core (no browser download).
if [ "$mode" = test ]; then apt_install chromium chromium; fi
# The compose test validates docker-compose.yml with the Compose CLI: the docker plugin where it
# exists, else Debian's docker-compose (its `config` needs no container engine).
if [ "$mode" = test ] && ! docker compose version >/dev/null 2>&1; then apt_install docker-compose docker-compose; fi
"${PNPM[@]}" install --frozen-lockfile --reporter=silent

case "$mode" in
  start)
    exec node --import tsx scripts/start.ts
    ;;
  test)
    say "type-check"
    "${PNPM[@]}" run -s typecheck
    say "lint"
    "${PNPM[@]}" run -s lint
    say "tests"
    exec "${PNPM[@]}" exec vitest run
    ;;
  *)
    say "unknown mode $mode"; exit 2
    ;;
esac
