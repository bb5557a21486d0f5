#!/bin/sh
# A/B CPU-time comparison: runs each workload alternately in a baseline tree ($BASE,
# default /tmp/base, made with `git archive HEAD | tar -x -C /tmp/base` plus links to
# node_modules and native/build) and in this checkout, $REPS times each.
# Usage: sh bench/profile/ab.sh cnn mlp
BASE=${BASE:-/tmp/base}
REPS=${REPS:-2}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$BASE/bench/profile" && cp "$HERE"/bench/profile/*.ts "$BASE/bench/profile/"
for w in "$@"; do
  i=0
  while [ $i -lt "$REPS" ]; do
    (cd "$BASE" && printf "base " && node --import tsx "bench/profile/$w.ts" 2>&1 | tail -1)
    (cd "$HERE" && printf "new  " && node --import tsx "bench/profile/$w.ts" 2>&1 | tail -1)
    i=$((i + 1))
  done
done
