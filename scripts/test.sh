#!/usr/bin/env bash
# `npm test` after its pretest: the build, then the type check and the tests side by side.
# The type check (tsc over src, test and bench) resolves `trajlog` itself through dist/, so it
# needs the build, and it is a single-threaded run of several seconds that the tests need
# nothing from: on two cores it fits beside them. Its errors are printed after the tests'
# report; the command fails when either fails. Arguments go to `vitest run`.
set -uo pipefail
cd "$(dirname "$0")/.."
npm run --silent build || exit 1
typecheck_log=$(mktemp)
trap 'rm -f "$typecheck_log"' EXIT
npm run --silent typecheck >"$typecheck_log" 2>&1 &
typecheck=$!
npx vitest run "$@"
tests=$?
wait "$typecheck"
checked=$?
if [ "$checked" -eq 0 ]; then
  echo "type check (npm run typecheck): no errors"
else
  cat "$typecheck_log"
  echo "type check (npm run typecheck) failed, exit code $checked" >&2
fi
[ "$tests" -eq 0 ] && [ "$checked" -eq 0 ]
