# shellcheck shell=bash
# The image lab's narration and checks (sourced by scripts/lab; tested on their own by
# LabCheckerTests). A check that does not hold prints what was expected and what was seen,
# and ends the lab with exit 1.

LAB_STARTED=${LAB_STARTED:-$SECONDS}
LAB_STAGE_STARTED=$LAB_STARTED
LAB_STAGE=""
LAB_TIMES=()

lab_clock() { printf '%4d s' $((SECONDS - LAB_STARTED)); }

# stage NAME: begins a stage (and ends the one before, recording its time).
stage() {
  stage_end
  LAB_STAGE=$1
  LAB_STAGE_STARTED=$SECONDS
  printf '\n[%s] == %s\n' "$(lab_clock)" "$1"
}

stage_end() {
  if [ -n "$LAB_STAGE" ]; then
    LAB_TIMES+=("$(printf '%5d s  %s' $((SECONDS - LAB_STAGE_STARTED)) "$LAB_STAGE")")
    LAB_STAGE=""
  fi
}

# say TEXT: one line of narration.
say() { printf '[%s]    %s\n' "$(lab_clock)" "$*"; }

lab_fail() {
  printf '[%s] FAILED: %s\n' "$(lab_clock)" "$1" >&2
  shift
  for line in "$@"; do printf '        %s\n' "$line" >&2; done
  exit 1
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
  if [ "$2" = "$3" ]; then say "ok: $1"; else lab_fail "$1" "expected: $2" "got:      $3"; fi
}

# check_contains WHAT HAYSTACK NEEDLE
check_contains() {
  case "$2" in
    *"$3"*) say "ok: $1" ;;
    *) lab_fail "$1" "expected to contain: $3" "got: $(printf '%s' "$2" | head -c 2000)" ;;
  esac
}

# check_not_contains WHAT HAYSTACK NEEDLE
check_not_contains() {
  case "$2" in
    *"$3"*) lab_fail "$1" "expected not to contain: $3" "got: $(printf '%s' "$2" | head -c 2000)" ;;
    *) say "ok: $1" ;;
  esac
}

# check_cmd WHAT COMMAND...: the command must exit 0.
check_cmd() {
  local what=$1 output
  shift
  if output=$("$@" 2>&1); then say "ok: $what"; else lab_fail "$what" "command: $*" "exit $?: $(printf '%s' "$output" | tail -c 2000)"; fi
}

# wait_for WHAT SECONDS COMMAND...: retries the command every 2 s until it succeeds.
wait_for() {
  local what=$1 limit=$2 started=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $((SECONDS - started)) -ge "$limit" ]; then lab_fail "$what (waited $limit s)" "command: $*"; fi
    sleep 2
  done
  say "ok: $what (after $((SECONDS - started)) s)"
}

# stage_times: the table of stage times, for the end of the lab.
stage_times() {
  stage_end
  printf '\n[%s] stage times\n' "$(lab_clock)"
  for line in "${LAB_TIMES[@]}"; do printf '    %s\n' "$line"; done
  printf '    %5d s  the whole lab\n' $((SECONDS - LAB_STARTED))
}

# check_lynis REPORT FLOOR EXPLAINED: a lynis report (the contents of lynis-report.dat) must
# give a hardening index of at least FLOOR, and every warning in it must be one EXPLAINED
# names (a file of test ids, one per line: the deliberate choices docs/image-definition.md
# explains). Narrates the index, the warnings and how many suggestions.
check_lynis() {
  local report=$1 floor=$2 explained=$3 index warnings unexplained="" id
  index=$(printf '%s\n' "$report" | sed -n 's/^hardening_index=//p' | head -1)
  [ -n "$index" ] || lab_fail "lynis gave a hardening index" "no hardening_index in its report"
  warnings=$(printf '%s\n' "$report" | sed -n 's/^warning\[\]=\([^|]*\)|\([^|]*\)|.*/\1 \2/p')
  say "lynis: hardening index $index (floor $floor), $(printf '%s\n' "$report" | grep -c '^suggestion\[\]=' || true) suggestions, $(printf '%s' "$warnings" | grep -c . || true) warnings"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    say "  warning: $line"
    id=${line%% *}
    grep -qxF "$id" "$explained" || unexplained+="$line; "
  done <<<"$warnings"
  [ "$index" -ge "$floor" ] || lab_fail "lynis's hardening index is at least $floor" "got: $index"
  [ -z "$unexplained" ] || lab_fail "every lynis warning is fixed or explained in docs/image-definition.md" "unexplained: $unexplained"
  say "ok: lynis's hardening index is at least $floor, and every warning is explained"
}
