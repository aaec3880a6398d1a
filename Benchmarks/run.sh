#!/usr/bin/env bash
# Everything Benchmarks/RESULTS.md reports, from a fresh clone, in one command (a few hours on
# 2 cores): set-up with the Debian speech negatives, the peer detectors from PyPI, then
# Benchmarks/run.py (protocol, peers, tap layers and heads, windowing, timing, speed, 10 h run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup --negatives
python3 -m pip install --quiet -r Benchmarks/requirements-peers.txt
command -v sox >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"; $sudo apt-get install -y -qq sox >/dev/null; }
exec python3 Benchmarks/run.py "$@"
