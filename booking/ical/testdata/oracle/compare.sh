#!/usr/bin/env bash
# Differential check of booking/ical against ical.js (not part of go test; see README.md).
# Usage: bash compare.sh [FILE.ics ...]   (default: every fixture in ../*.ics)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
[ -d node_modules/ical.js ] || npm install --no-audit --no-fund >/dev/null
from=2000-01-01T00:00:00Z
to=2100-01-01T00:00:00Z
tz=Europe/Amsterdam
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(../*.ics)
same=0; differ=0; failed=0
for f in "${files[@]}"; do
  ours=$(cd ../../../.. && go run ./booking/ical/testdata/oracle/dump -floating-tz "$tz" "booking/ical/testdata/$(basename "$f")" "$from" "$to" 2>/dev/null | sort) || ours="ERROR"
  theirs=$(timeout 60 node oracle.mjs "$f" "$from" "$to" --floating-tz="$tz" 2>/dev/null | sort) || theirs="ERROR"
  if [ "$ours" = "$theirs" ]; then
    same=$((same+1))
  elif [ "$ours" = ERROR ] || [ "$theirs" = ERROR ]; then
    failed=$((failed+1)); echo "== $(basename "$f"): ours=$( [ "$ours" = ERROR ] && echo error || echo ok ) ical.js=$( [ "$theirs" = ERROR ] && echo error || echo ok )"
  else
    differ=$((differ+1)); echo "== $(basename "$f") differs (< ours, > ical.js)"
    diff <(echo "$ours") <(echo "$theirs") || true
  fi
done
echo "same: $same, differ: $differ, one side failed: $failed"
