#!/usr/bin/env bash
# idle-cpu.sh measures what hubstream's processes cost when nothing happens:
# the CPU time (user + system, from /proc/PID/stat) each process uses over a
# window with no traffic at all, as a percentage of one core.
#
#   scripts/idle-cpu.sh [server|projector|all] [--window 60] [--settle 10] [--port 18650]
#
#   server     the embedded default: `server` with its in-process engine and
#              projector (DESIGN.md §1), data in a temporary directory.
#   projector  the docker-compose shape: a standalone `ddblocal` (durable, in a
#              temporary directory), `server --no-projector` pointed at it
#              (it creates the table) and a standalone `projector run`.
#   all        both, one after the other (the default).
#
# Each process is started, left --settle seconds to finish starting (table
# creation, first leases), then measured over --window seconds. The binaries
# are built once into a temporary directory. Ports --port .. --port+2 on
# 127.0.0.1 are used. The output is one line per process:
#
#   server     ticks=12 cpu=0.120s window=60s cpu%=0.20 load="0.52 0.61 0.70"
#
# (ticks are of CLK_TCK, usually 100 a second: 0.5% of a core over 60 s is
# 30 ticks.) The load average is printed with each figure because other work
# on the machine does not change a process's own CPU time much, but it does
# change how long its work takes. docs/projector.md records the figures.
set -euo pipefail

mode=all
window=60
settle=10
port=18650
while [ $# -gt 0 ]; do
	case "$1" in
	server | projector | all) mode=$1 ;;
	--window) window=$2; shift ;;
	--settle) settle=$2; shift ;;
	--port) port=$2; shift ;;
	*) echo "usage: $0 [server|projector|all] [--window 60] [--settle 10] [--port 18650]" >&2; exit 2 ;;
	esac
	shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

echo "building into $work/bin ..." >&2
(cd "$root" && go build -o "$work/bin/" ./cmd/server ./cmd/projector ./cmd/ddblocal)

hz=$(getconf CLK_TCK)

# ticks PID prints utime+stime of PID in clock ticks (fields 14 and 15 of
# /proc/PID/stat; the command name, field 2, may hold spaces, so fields are
# counted after its closing parenthesis).
ticks() {
	local stat
	stat=$(cat "/proc/$1/stat")
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

# wait_http URL waits up to 60 s for URL to answer without a 5xx (the
# binaries' own healthcheck sub-command: no curl needed).
wait_http() {
	for _ in $(seq 600); do
		if "$work/bin/server" healthcheck --url "$1" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# measure NAME=PID... samples every process at the start and the end of the
# window and prints one line per process.
measure() {
	local -A start
	local pair
	sleep "$settle"
	for pair in "$@"; do start[$pair]=$(ticks "${pair#*=}"); done
	sleep "$window"
	local load
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	for pair in "$@"; do
		local name=${pair%%=*} pid=${pair#*=}
		local used=$(($(ticks "$pid") - ${start[$pair]}))
		awk -v n="$name" -v t="$used" -v hz="$hz" -v w="$window" -v l="$load" \
			'BEGIN { printf "%-10s ticks=%d cpu=%.3fs window=%ss cpu%%=%.2f load=\"%s\"\n", n, t, t/hz, w, 100*t/hz/w, l }'
	done
}

stop_all() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
}

run_server() {
	local data="$work/server-data" log="$work/server.log"
	"$work/bin/server" --addr "127.0.0.1:$port" --data-dir "$data" >"$log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	wait_http "http://127.0.0.1:$port/readyz" || { cat "$log" >&2; return 1; }
	measure "server=$pid"
	stop_all
}

run_projector() {
	local ddb=$((port + 1)) srv=$((port + 2))
	"$work/bin/ddblocal" --addr "127.0.0.1:$ddb" --data-dir "$work/ddb-data" >"$work/ddblocal.log" 2>&1 &
	local dpid=$!
	pids+=("$dpid")
	wait_http "http://127.0.0.1:$ddb/" || { cat "$work/ddblocal.log" >&2; return 1; }
	export DYNAMODB_ENDPOINT="http://127.0.0.1:$ddb" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
	export HUBSTREAM_TABLE=hubstream AUTH_JWT_SECRET=idle-cpu-measurement-secret-0123456789abcdef
	"$work/bin/server" --addr "127.0.0.1:$srv" --no-projector >"$work/nsserver.log" 2>&1 &
	local spid=$!
	pids+=("$spid")
	wait_http "http://127.0.0.1:$srv/readyz" || { cat "$work/nsserver.log" >&2; return 1; }
	"$work/bin/projector" run --metrics-addr "" >"$work/projector.log" 2>&1 &
	local ppid=$!
	pids+=("$ppid")
	measure "projector=$ppid" "ddblocal=$dpid" "server-np=$spid"
	stop_all
	unset DYNAMODB_ENDPOINT AUTH_JWT_SECRET
}

case "$mode" in
server) run_server ;;
projector) run_projector ;;
all) run_server; run_projector ;;
esac
