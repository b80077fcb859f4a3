#!/usr/bin/env bash
# deploy/local.sh: run one sweep with N exp workers on this machine, sharing
# the sweep through a PostgreSQL database (see docs/distributed.md).
#
#   EXP_DB=postgres://exp@db.example:5432/exp deploy/local.sh N SWEEP.yaml [exp run flags...]
#
# Starts N identical `exp run SWEEP.yaml --db $EXP_DB --checkpoints DIR`
# processes and waits for them. There is no coordinator: each worker claims
# the next trial nobody holds, in the database, until none is left. Run the
# same script on other machines at the same time (same SWEEP path, same
# checkpoints folder on a shared filesystem, same flags) and they all work
# on the one sweep. Ctrl-C stops every worker cleanly: their trials are
# recorded as interrupted, and running the script again resumes them.
#
# Environment:
#   EXP_DB           the database URL (required). Keep the password out of it
#                    (it would show in `ps`): put it in ~/.pgpass or PGPASSWORD.
#   EXP_CHECKPOINTS  the checkpoints folder, shared by every worker of the
#                    sweep on every machine (default ./exp-checkpoints)
#   EXP_LEASE        how long a dead worker's trial stays claimed (default 60s)
#   EXP              the exp binary (default: exp on PATH)
#   EXP_LOGS         where each worker's output goes (default ./exp-logs)
#   EXP_DATA         the MNIST folder, if the Go module cache lacks it
#
# Each worker trains one trial at a time (--jobs 1) with --threads = cores / N,
# unless you pass --jobs or --threads.
# Exit status: 0 when every worker ended well, else the largest worker exit
# status (1: a trial failed or diverged, 2: a config error, 130: interrupted).
set -uo pipefail

if [ $# -lt 2 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: EXP_DB=postgres://USER@HOST/DB $0 N SWEEP.yaml [exp run flags...]" >&2
	exit 2
fi
n=$1 sweep=$2
shift 2
: "${EXP_DB:?set EXP_DB to the PostgreSQL URL, e.g. postgres://exp@db.example:5432/exp}"
exp=${EXP:-exp}
checkpoints=${EXP_CHECKPOINTS:-$PWD/exp-checkpoints}
lease=${EXP_LEASE:-60s}
logs=${EXP_LOGS:-$PWD/exp-logs}
threads=$(( $(nproc) / n ))
[ "$threads" -ge 1 ] || threads=1

# The sweep is known by its config's name and the file's absolute path:
# every worker, here and elsewhere, must name the same path.
sweep=$(realpath "$sweep") || exit 2
mkdir -p "$checkpoints" "$logs" || exit 2

# One trial at a time per worker, with its share of the cores. Later flags
# win: what the caller passes overrides --jobs and --threads.
run=(run "$sweep" --db "$EXP_DB" --checkpoints "$checkpoints" --lease "$lease" --jobs 1 --threads "$threads" "$@")

pids=()
for i in $(seq 1 "$n"); do
	"$exp" "${run[@]}" >"$logs/worker-$i.log" 2>&1 & # $! is exp itself, not a subshell
	pids+=($!)
	echo "worker $i: pid $!, log $logs/worker-$i.log"
done

# Ctrl-C or SIGTERM: pass it on; each worker stops its trial after the
# current step, records it as interrupted, and exits.
stop() {
	echo "stopping the workers..."
	kill -TERM "${pids[@]}" 2>/dev/null
}
trap stop INT TERM

status=0
for i in "${!pids[@]}"; do
	# wait returns early when a trapped signal arrives: wait again.
	while :; do
		wait "${pids[$i]}"
		code=$?
		kill -0 "${pids[$i]}" 2>/dev/null || break
	done
	echo "worker $((i + 1)) exited with status $code"
	[ "$code" -gt "$status" ] && status=$code
done

# A worker leaves when nothing is left to claim, even if a trial is still
# running elsewhere. If that trial's worker dies after every worker here has
# left, nobody takes it over. So if the last worker to leave saw trials
# running (its last line: "sweep N after 5m: 10 completed, 2 running"), a
# last pass one lease later picks up those whose worker died (it finds
# nothing to do if they are alive, on other machines).
last=$(ls -t "$logs"/worker-*.log | head -1)
if [ "$status" = 0 ] && grep '^sweep [0-9]* after ' "$last" | tail -1 | grep -q ' running'; then
	echo "trials are still running elsewhere: one more pass after the lease ($lease)..."
	sleep "$lease" 2>/dev/null || sleep 60 # GNU sleep reads 60s, 2m (not 1m30s)
	sleep 5
	"$exp" "${run[@]}" >"$logs/final-pass.log" 2>&1
	status=$?
	echo "final pass exited with status $status (log $logs/final-pass.log)"
fi
"$exp" status --db "$EXP_DB" 2>/dev/null | head -20
exit "$status"
