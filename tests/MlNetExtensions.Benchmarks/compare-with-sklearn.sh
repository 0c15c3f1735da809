#!/usr/bin/env bash
# Side by side with scikit-learn, in one command (about 5 minutes on 2 cores):
#   tests/MlNetExtensions.Benchmarks/compare-with-sklearn.sh [--install]
# --install first installs Debian's python3-sklearn and OpenBLAS (as root). scikit-learn must be importable by Debian's
# system interpreter /usr/bin/python3 (not by another python3 that comes first on PATH).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--install" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sklearn libopenblas0-pthread
fi
if ! /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
  echo "scikit-learn is not installed for /usr/bin/python3 (Debian's system interpreter)." >&2
  echo "Install it with: apt-get install python3-sklearn libopenblas0-pthread   (or run this script with --install)" >&2
  exit 3
fi
# sklearn: the side-by-side table; mlp-quality and mlp-init: the MLP against scikit-learn on wine, the 10-class set and the
# regression defaults, and the initial-weight swap that isolates what caused the gap (issue 13); --wine-seeds=20 gives the
# README's 20-seed means.
exec dotnet run -c Release --project tests/MlNetExtensions.Benchmarks -- compare sklearn mlp-quality mlp-init --wine-seeds=20
