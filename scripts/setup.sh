#!/usr/bin/env bash
# Installs what MixRL needs, idempotently: Debian packages (only those missing: OpenBLAS,
# LAPACKE, and BLIS, which MixRL loads at run time for the matrix products where it is
# faster; see docs/performance.md) and
# the Python virtualenv used by the environment bridge and by the tests that compare
# against Python (Gymnasium trajectories, safetensors, TensorBoard files).
#
#   MIXRL_VENV   where the virtualenv lives (default: ~/.cache/mixrl/venv)
#   MIXRL_SKIP_VENV=1  skip the virtualenv (Swift-only work)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

apt_packages=(libopenblas-dev liblapacke-dev libblis4-pthread pkg-config python3-venv)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${MIXRL_SKIP_VENV:-0}" != "1" ] && [ -f "$here/requirements.txt" ]; then
  venv="${MIXRL_VENV:-$HOME/.cache/mixrl/venv}"
  stamp="$venv/.mixrl-requirements.sha256"
  want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: building the Python virtualenv in $venv (once; a few minutes)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q -r "$here/requirements.txt"
    echo "$want" > "$stamp"
  fi
fi
