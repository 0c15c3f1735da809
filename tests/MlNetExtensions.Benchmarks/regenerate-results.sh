#!/usr/bin/env bash
# Regenerates every table in the README's Results section, in one command:
#   tests/MlNetExtensions.Benchmarks/regenerate-results.sh [--install]
# The tour's tables, the speed suites against ML.NET (each in its own process, so that one suite's data does not sit in
# another's memory), then the scikit-learn comparison (--install first installs Debian's python3-sklearn and OpenBLAS).
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet run --project samples/MlNetExtensions.Tour -c Release
for suite in linear logistic logistic-wide ridge-text mlp mlp-scoring scale; do
  dotnet run -c Release --project tests/MlNetExtensions.Benchmarks -- compare "$suite"
done
MLP_TEXT_DENSE=1 dotnet run -c Release --project tests/MlNetExtensions.Benchmarks -- compare mlp-text
tests/MlNetExtensions.Benchmarks/compare-with-sklearn.sh "$@"
