#!/bin/sh
# run.sh measures an authenticated GET /api/v1/items/{id} with wrk, next to
# the bare handler of scripts/perf reading the same row, as recorded in
# docs/performance.md. Run it from the repository root:
#
#	scripts/perf/run.sh              # SQLite and PostgreSQL
#	scripts/perf/run.sh sqlite       # one engine
#
# For each engine it creates a fresh database (a temp SQLite file, or a
# schema perf_<pid> on PostgreSQL, dropped at the end), adds a site, an item
# and a token, then runs wrk (2 threads, 32 connections, 10 s, --latency)
# against, in turn:
#   forkline serve                    the default configuration: access log at info, to a file
#   forkline serve --log-level warn   no access log
#   the bare handler                  same database, same reader pool settings
# Each measured run follows a 3 s warm-up at the same load, discarded, and
# waits first for the machine to be at least 85% idle (other work on a
# 2-core machine moves the numbers a lot). It prints one Markdown table row
# per run: wrk's requests/s and latency percentiles; the CPU time the
# server process used per request, which other load disturbs less (it
# leaves out PostgreSQL's own work); and how much of the machine other
# programs took meanwhile. Raw wrk output stays in $OUT.
#
# Environment: PG (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable),
# DURATION (10s), CONNS (32), THREADS (2), PORT (18080), BARE_PORT (18091), OUT (a temp folder),
# FORKLINE (a forkline binary to measure instead of building one, e.g. an older build),
# ROUNDS (1: how many times to repeat the whole set).
set -eu

PG=${PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
BARE_PORT=${BARE_PORT:-18091}
ROUNDS=${ROUNDS:-1}
OUT=${OUT:-$(mktemp -d /tmp/forkline-perf.XXXXXX)}
ENGINES=${*:-sqlite postgres}
export PGOPTIONS='-c client_min_messages=warning'

mkdir -p "$OUT"
if [ -z "${FORKLINE:-}" ]; then
	FORKLINE=$OUT/forkline
	go build -o "$FORKLINE" ./cmd/forkline
fi
go build -o "$OUT/perf" ./scripts/perf
echo "raw output in $OUT" >&2
echo "| engine | server | req/s | p50 | p99 | server CPU µs/req | others' CPU |"
echo "|---|---|---:|---:|---:|---:|---:|"

SERVER=
stop_server() {
	if [ -n "$SERVER" ]; then
		kill "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
		SERVER=
	fi
}

# wait_up URL: poll until URL answers, for up to 10 s.
wait_up() {
	i=0
	until curl -fs -o /dev/null "$1"; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || { echo "server did not start: $1" >&2; exit 1; }
		sleep 0.1
	done
}

# wait_quiet: wait, up to 10 minutes, until the CPUs were at least 85%
# idle over 2 s.
wait_quiet() {
	i=0
	while :; do
		a=$(head -1 /proc/stat)
		sleep 2
		b=$(head -1 /proc/stat)
		idle=$(printf '%s\n%s\n' "$a" "$b" | awk '{t = 0; for (i = 2; i <= NF; i++) t += $i; tot[NR] = t; idl[NR] = $5 + $6}
			END {printf "%d", 100 * (idl[2] - idl[1]) / (tot[2] - tot[1])}')
		[ "$idle" -lt 85 ] || return 0
		i=$((i + 1))
		[ "$i" -lt 300 ] || { echo "the machine did not become quiet; measuring anyway" >&2; return 0; }
	done
}

# cpu_ticks PID: the user and system CPU time of a process, in clock ticks.
cpu_ticks() {
	awk '{sub(/^.*\) /, ""); printf "%d", $12 + $13}' "/proc/$1/stat"
}

# snapshot: CPU ticks so far, as "total busy server wrk postgres": all CPUs
# (busy: not idle), the server, this script's finished children (wrk), and
# PostgreSQL (its processes, and the backends its postmaster has reaped).
snapshot() {
	head -1 /proc/stat | awk '{t = 0; for (i = 2; i <= 9; i++) t += $i; printf "%d %d ", t, t - $5 - $6}'
	cpu_ticks "$SERVER"
	awk '{sub(/^.*\) /, ""); printf " %d ", $14 + $15}' "/proc/$$/stat"
	pm=$(pgrep -u postgres -o postgres || true)
	for p in $(pgrep -u postgres postgres || true); do
		awk -v pm="$([ "$p" = "$pm" ] && echo 1)" '{sub(/^.*\) /, ""); t = $12 + $13; if (pm) t += $14 + $15; print t}' "/proc/$p/stat" 2>/dev/null || true
	done | awk '{t += $1} END {printf "%d\n", t}'
}

# measure ENGINE LABEL URL [wrk header args]: warm up, run wrk, print a table
# row. The last column is the share of the machine that other programs took
# during the run (on PostgreSQL, other users of the server count as
# Forkline's). A run that others disturbed by more than 10% is done again,
# up to 5 times in all; the row printed is the last run's.
measure() {
	engine=$1 label=$2 url=$3
	shift 3
	raw="$OUT/$engine-$(echo "$label" | tr -c 'a-z0-9' '-')$round.txt"
	try=0
	while :; do
		try=$((try + 1))
		wait_quiet
		wrk -t"$THREADS" -c"$CONNS" -d3s "$@" "$url" >/dev/null
		before=$(snapshot)
		wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url" >"$raw"
		after=$(snapshot)
		bad=$(awk '/Non-2xx/ {print $NF}' "$raw")
		[ -z "$bad" ] || { echo "$engine $label: $bad non-2xx responses, see $raw" >&2; exit 1; }
		row=$(awk -v engine="$engine" -v label="$label" -v before="$before" -v after="$after" -v hz="$(getconf CLK_TCK)" '
			/requests in/ {n = $1}
			/^Requests\/sec/ {rps = $2}
			$1 == "50%" {p50 = $2}
			$1 == "99%" {p99 = $2}
			END {
				split(before, b, " "); split(after, a, " ")
				for (i = 1; i <= 5; i++) d[i] = a[i] - b[i]
				others = d[2] - d[3] - d[4]
				if (engine == "postgres") others -= d[5]
				printf "%d| %s | %s | %.0f | %s | %s | %.0f | %.0f%% |\n", 100 * others / d[1], engine, label, rps, p50, p99, d[3] * 1e6 / hz / n, 100 * others / d[1]
			}' "$raw")
		others=${row%%|*}
		[ "$others" -gt 10 ] && [ "$try" -lt 5 ] && continue
		echo "|${row#*|}"
		return
	done
}

SCHEMA=
cleanup() {
	stop_server
	if [ -n "$SCHEMA" ]; then
		psql -q "$PG" -c "DROP SCHEMA $SCHEMA CASCADE" >/dev/null
	fi
}
trap cleanup EXIT INT TERM

for engine in $ENGINES; do
	case $engine in
	sqlite)
		rm -f "$OUT"/perf.db*
		DSN="$OUT/perf.db"
		;;
	postgres)
		SCHEMA=perf_$$
		psql -q "$PG" -c "CREATE SCHEMA $SCHEMA" >/dev/null
		DSN="$PG&search_path=$SCHEMA"
		;;
	*)
		echo "unknown engine $engine: want sqlite or postgres" >&2
		exit 2
		;;
	esac
	eval "$("$OUT/perf" setup -db "$DSN")" # sets ITEM and TOKEN

	round=0
	while [ "$round" -lt "$ROUNDS" ]; do
		round=$((round + 1))
		for level in default warn; do
			set -- # no flags: the default configuration, access log at info
			label="forkline serve (default, log level info)"
			if [ "$level" = warn ]; then
				set -- --log-level warn
				label="forkline serve --log-level warn"
			fi
			"$FORKLINE" serve --db "$DSN" --addr "127.0.0.1:$PORT" "$@" >/dev/null 2>"$OUT/$engine-serve-$level.log" &
			SERVER=$!
			wait_up "http://127.0.0.1:$PORT/healthz"
			measure "$engine" "$label" "http://127.0.0.1:$PORT/api/v1/items/$ITEM" -H "Authorization: Bearer $TOKEN"
			stop_server
		done

		"$OUT/perf" bare -db "$DSN" -addr "127.0.0.1:$BARE_PORT" >/dev/null &
		SERVER=$!
		wait_up "http://127.0.0.1:$BARE_PORT/items/$ITEM"
		measure "$engine" "bare net/http + database/sql" "http://127.0.0.1:$BARE_PORT/items/$ITEM"
		stop_server
	done

	if [ -n "$SCHEMA" ]; then
		psql -q "$PG" -c "DROP SCHEMA $SCHEMA CASCADE" >/dev/null
		SCHEMA=
	fi
done
