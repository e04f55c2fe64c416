#!/usr/bin/env bash
# The main job on shipped sample data: install, fit, sample, evaluate; prints where things are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
. .venv/bin/activate
DATA=sample_data/customer_reviews.csv
SCHEMA=schemas/customer_reviews.yaml
OUT=out/quickstart
mkdir -p "$OUT"
# 200 epochs keep the demo to a couple of minutes on 2 cores; the default is 5,000 steps
tabgan fit "$DATA" --schema "$SCHEMA" -o "$OUT/model" --seed 0 --epochs 200
tabgan sample "$OUT/model" -n 5000 -o "$OUT/synthetic_reviews.csv"
if tabgan evaluate --help >/dev/null 2>&1; then
  tabgan evaluate "$DATA" "$OUT/synthetic_reviews.csv" --schema "$SCHEMA" --model "$OUT/model" -o "$OUT/report.html"
  tabgan evaluate "$DATA" "$OUT/synthetic_reviews.csv" --schema "$SCHEMA" --model "$OUT/model" -o "$OUT/report.json" >/dev/null
fi
echo
echo "model:     $OUT/model/"
echo "synthetic: $OUT/synthetic_reviews.csv"
[ -f "$OUT/report.html" ] && echo "report:    $OUT/report.html (and report.json)"
exit 0
