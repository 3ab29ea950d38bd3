# Sourced by scripts/setup.sh and scripts/setup_pdf.sh: one line per set-up step.
# Every step's whole output goes to $SETUP_LOG (default build/setup.log); it is shown, its last
# $SETUP_TAIL lines (default 40), only when the step fails.

SETUP_LOG="${SETUP_LOG:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/setup.log}"
mkdir -p "$(dirname "$SETUP_LOG")"
touch "$SETUP_LOG"

# step PREFIX DESCRIPTION COMMAND [ARG...]: run COMMAND quietly; print "PREFIX: DESCRIPTION ... ok (N s)",
# or on failure "FAILED", the log's tail (on stderr) and where the full log is; return COMMAND's status.
step() {
    local prefix="$1" what="$2" start=$SECONDS rc=0
    shift 2
    printf '%s: %s ... ' "$prefix" "$what"
    printf '\n==== %s: %s (%s)\n$ %s\n' "$prefix" "$what" "$(date '+%F %T')" "$*" >>"$SETUP_LOG"
    "$@" >>"$SETUP_LOG" 2>&1 </dev/null || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "ok ($((SECONDS - start)) s)"
        return 0
    fi
    echo "FAILED (exit status $rc)"
    {
        echo "---- the last lines of $SETUP_LOG ----"
        tail -n "${SETUP_TAIL:-40}" "$SETUP_LOG"
        echo "----"
        echo "$prefix: \"$what\" failed; the full log is $SETUP_LOG"
    } >&2
    return "$rc"
}
