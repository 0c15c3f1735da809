#!/usr/bin/env bash
# Side by side with scikit-learn, in one command:
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
exec dotnet run -c Release --project tests/MlNetExtensions.Benchmarks -- compare sklearn
