#!/usr/bin/env bash
# End-to-end load benchmark of fnagent. Builds the agent, the bare Kestrel
# echo and the spawner in Release, serves benchmarks/load/functions on a free port of
# 127.0.0.1, drives every row with wrk at c=1 and c=16, measures the agent's RSS with 20
# idle hot functions, and writes benchmarks/load/results.md (also printed).
#
#   benchmarks/load/run.sh            # about 13 minutes
#   DURATION=10 benchmarks/load/run.sh
#
# Everything it starts is stopped on exit; it binds 127.0.0.1 only.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DURATION=${DURATION:-8}      # seconds measured per row and concurrency
WARMUP=${WARMUP:-5}          # seconds of unmeasured load before each measurement (tiered JIT and PGO settle; docs/performance.md)
OUT=${OUT:-$HERE/results.md}
WORK=$(mktemp -d /tmp/fnagent-load.XXXXXX)
# Several agents below serve echo scripts of benchmarks/load/functions from folders of their
# own: the sandbox lets every function read them, as an operator shares code (docs/operations.md).
export FNAGENT_Sandbox__ReadOnlyPaths=$HERE/functions
# The function folders made below must be reachable by nobody as they are: in a folder it
# cannot enter, an unsandboxed agent binds them in with bubblewrap (docs/operations.md), and
# the sandbox-off rows would pay its exec too.
chmod 755 "$WORK"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[load] $*" >&2; }

# --- tools -------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "installing wrk from Debian's packages"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

log "building in Release"
for project in src/Agent/Agent.csproj benchmarks/load/KestrelEcho/KestrelEcho.csproj benchmarks/load/PipeProxy/PipeProxy.csproj benchmarks/load/Spawner/Spawner.csproj; do
  dotnet build "$ROOT/$project" -c Release -nologo -v q -clp:ErrorsOnly >&2
done
AGENT_DLL=$ROOT/src/Agent/bin/Release/net10.0/fnagent.dll
ECHO_DLL=$ROOT/benchmarks/load/KestrelEcho/bin/Release/net10.0/Fnagent.KestrelEcho.dll
SPAWNER_DLL=$ROOT/benchmarks/load/Spawner/bin/Release/net10.0/Fnagent.Spawner.dll
PROXY_DLL=$ROOT/benchmarks/load/PipeProxy/bin/Release/net10.0/Fnagent.PipeProxy.dll

LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
FDK_DIR=$HERE/functions/fdk-echo
if [ ! -d "$FDK_DIR/node_modules" ] && command -v npm >/dev/null; then
  log "npm ci in functions/fdk-echo"
  (cd "$FDK_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2) || log "npm ci failed: the http-stream row will be n/a"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # url
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing answered at $1"; return 1
}

# --- servers -----------------------------------------------------------------------
start_agent() { # functions-dir port log -> sets LAST_PID
  dotnet "$AGENT_DLL" serve --functions "$1" --urls "http://127.0.0.1:$2" \
    --data "$WORK/data-$2" >"$3" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  wait_http "http://127.0.0.1:$2/health"
}

AGENT_PORT=$(free_port)
start_agent "$HERE/functions" "$AGENT_PORT" "$WORK/agent.log"
AGENT_PID=$LAST_PID
AGENT=http://127.0.0.1:$AGENT_PORT

# The same cold function on an agent that runs functions as its own user: a root agent
# runs them as nobody through setpriv (one exec more per process), FNAGENT_RunAs=root opts
# out. Without root both agents run cat the same way.
OWN_DIR=$WORK/own
mkdir -p "$OWN_DIR/cat"
cp "$HERE/functions/cat/func.yml" "$OWN_DIR/cat/"
OWN_PORT=$(free_port)
FNAGENT_RunAs=root start_agent "$OWN_DIR" "$OWN_PORT" "$WORK/agent-own.log"
if [ "$(id -u)" = 0 ]; then
  CAT_AS=", as \`nobody\` (setpriv, the default for a root agent)"
  CAT_OWN=", as root (\`FNAGENT_RunAs=root\`: no setpriv)"
else
  CAT_AS=", as the agent's user (not root: no setpriv)"
  CAT_OWN=", as the agent's user, second agent (not root: no setpriv)"
fi

ECHO_PORT=$(free_port)
dotnet "$ECHO_DLL" --urls "http://127.0.0.1:$ECHO_PORT" >"$WORK/echo.log" 2>&1 &
PIDS+=("$!")
wait_http "http://127.0.0.1:$ECHO_PORT/health"

PROXY_PORT=$(free_port)
dotnet "$PROXY_DLL" --urls "http://127.0.0.1:$PROXY_PORT" --processes 4 --dir "$HERE/functions/json-node" -- node echo.js >"$WORK/proxy.log" 2>&1 &
PIDS+=("$!")
wait_http "http://127.0.0.1:$PROXY_PORT/health"

# --- measuring -----------------------------------------------------------------------
to_ms() { # wrk latency such as 612.00us, 1.20ms, 2.01s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
    else printf "?" }'
}

ROWS=()
declare -A RPS

measure() { # key label url concurrency [wrk script]
  local key=$1 label=$2 url=$3 c=$4 script=${5:-$HERE/post.lua} out
  wrk -t1 -c"$c" -d"${WARMUP}s" -s "$script" "$url" >/dev/null 2>&1 || true
  # wrk's stop abandons the calls in flight and the agent discards the processes that
  # served them: min_idle replaces them, so the measurement starts steady.
  sleep 1
  out=$(wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s --latency -s "$script" "$url" 2>&1)
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  bad=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
  RPS[$key-$c]=$rps
  ROWS+=("| $label | $c | $rps | $p50 | $p99 | $bad |")
  log "$label c=$c: $rps req/s, p50 $p50 ms, p99 $p99 ms, errors $bad"
}

spawn() { # key label concurrency [--setsid]
  local key=$1 label=$2 c=$3 rps p50 p99 bad
  read -r rps p50 p99 bad < <(dotnet "$SPAWNER_DLL" --workers "$c" --seconds "$DURATION" ${4:-})
  RPS[$key-$c]=$rps
  ROWS+=("| $label | $c | $rps | $p50 | $p99 | $bad |")
  log "$label c=$c: $rps spawns/s, p50 $p50 ms, p99 $p99 ms, errors $bad"
}

row() { # key label url
  for c in 1 16; do measure "$1" "$2" "$3" "$c"; done
}

row kestrel "bare Kestrel echo (ceiling)" "http://127.0.0.1:$ECHO_PORT/"
row proxy "Kestrel piping json lines to 4 node echo processes, nothing else (reference)" "http://127.0.0.1:$PROXY_PORT/"
for c in 1 16; do spawn spawn "raw spawn of \`cat\`, Process.Start (cold floor)" "$c"; done
for c in 1 16; do spawn spawn-setsid "raw spawn of \`setsid cat\`, Process.Start" "$c" --setsid; done
row cat "\`default\` format, \`cat\`$CAT_AS" "$AGENT/r/bench/cat"
row cat-own "\`default\` format, \`cat\`$CAT_OWN" "http://127.0.0.1:$OWN_PORT/r/bench/cat"
# The sandbox (docs/operations.md): the same cat and hot json echo on two fresh agents, one
# after the other, the first sandboxing them (the default where bubblewrap works, as on the
# main agent above), the second with FNAGENT_Sandbox__Mode=Off. A sandbox is set up once
# per process: a cold call pays it every time, a hot call never.
BOX_DIR=$WORK/box
mkdir -p "$BOX_DIR/cat" "$BOX_DIR/json-node"
cp "$HERE/functions/cat/func.yml" "$BOX_DIR/cat/"
sed -e "s|cmd: \[node, echo.js\]|cmd: [node, \"$HERE/functions/json-node/echo.js\"]|" "$HERE/functions/json-node/func.yml" >"$BOX_DIR/json-node/func.yml"
BOX_ON_PORT=$(free_port)
start_agent "$BOX_DIR" "$BOX_ON_PORT" "$WORK/box-on.log"
if grep -q "functions run sandboxed" "$WORK/box-on.log"; then BOX_ON="in the sandbox"; else BOX_ON="sandbox NOT available here (see box-on.log)"; fi
row cat-box-on "\`default\` format, \`cat\`, fresh agent, $BOX_ON" "http://127.0.0.1:$BOX_ON_PORT/r/bench/cat"
row json-box-on "hot \`json\` echo, node, fresh agent, $BOX_ON" "http://127.0.0.1:$BOX_ON_PORT/r/bench/json-node"
kill "$LAST_PID" 2>/dev/null || true
BOX_OFF_PORT=$(free_port)
FNAGENT_Sandbox__Mode=Off start_agent "$BOX_DIR" "$BOX_OFF_PORT" "$WORK/box-off.log"
row cat-box-off "\`default\` format, \`cat\`, fresh agent, sandbox off" "http://127.0.0.1:$BOX_OFF_PORT/r/bench/cat"
row json-box-off "hot \`json\` echo, node, fresh agent, sandbox off" "http://127.0.0.1:$BOX_OFF_PORT/r/bench/json-node"
kill "$LAST_PID" 2>/dev/null || true
row cold-python "\`default\` format, python3 echo (cold)" "$AGENT/r/bench/cold-python"
row json-node "hot \`json\` echo, node" "$AGENT/r/bench/json-node"
# The same echo on a second agent with the hold-back after answers turned off
# (FNAGENT_Limits__QuietAfterAnswer=0; it only acts on a function seen writing late
# bytes): the pair shows what it costs a function that never does.
QUIET_DIR=$WORK/quiet-off
mkdir -p "$QUIET_DIR/json-node"
cat >"$QUIET_DIR/json-node/func.yml" <<YML
name: json-node
app: bench
format: json
cmd: [node, "$HERE/functions/json-node/echo.js"]
idle_timeout: 600
min_idle: 4
YML
QUIET_PORT=$(free_port)
FNAGENT_Limits__QuietAfterAnswer=00:00:00 start_agent "$QUIET_DIR" "$QUIET_PORT" "$WORK/quiet-off.log"
row json-node-quiet-off "hot \`json\` echo, node, hold-back after late bytes off" "http://127.0.0.1:$QUIET_PORT/r/bench/json-node"
kill "$LAST_PID" 2>/dev/null || true
# Records in SQLite (the default) against records kept in memory only
# (FNAGENT_CallStore=Memory): two fresh agents, each serving only this echo, one after the
# other, so neither carries what the main agent served before.
STORE_DIR=$WORK/store
mkdir -p "$STORE_DIR/json-node"
cp "$QUIET_DIR/json-node/func.yml" "$STORE_DIR/json-node/"
SQLITE_PORT=$(free_port)
start_agent "$STORE_DIR" "$SQLITE_PORT" "$WORK/sqlite-store.log"
row json-node-sqlite "hot \`json\` echo, node, fresh agent, records in SQLite (the default)" "http://127.0.0.1:$SQLITE_PORT/r/bench/json-node"
kill "$LAST_PID" 2>/dev/null || true
MEMORY_PORT=$(free_port)
FNAGENT_CallStore=Memory start_agent "$STORE_DIR" "$MEMORY_PORT" "$WORK/memory-store.log"
row json-node-memory "hot \`json\` echo, node, fresh agent, records in memory only" "http://127.0.0.1:$MEMORY_PORT/r/bench/json-node"
kill "$LAST_PID" 2>/dev/null || true
# The three ways to call a function (/r, an Fn trigger at /t, Fn's /invoke/{fn_id}) and a
# function that asks for the admin token (auth: token), on one fresh agent serving the
# same echo twice: the rows show what each lookup and the token check cost.
WAYS_DIR=$WORK/ways
mkdir -p "$WAYS_DIR/json-node" "$WAYS_DIR/json-node-auth"
{ cat "$QUIET_DIR/json-node/func.yml"; printf 'triggers: [{name: echo, type: http, source: /hooks/echo}]\n'; } >"$WAYS_DIR/json-node/func.yml"
sed -e 's/^name: json-node$/name: json-node-auth/' "$QUIET_DIR/json-node/func.yml" >"$WAYS_DIR/json-node-auth/func.yml"
echo 'auth: token' >>"$WAYS_DIR/json-node-auth/func.yml"
WAYS_PORT=$(free_port)
start_agent "$WAYS_DIR" "$WAYS_PORT" "$WORK/ways.log"
WAYS=http://127.0.0.1:$WAYS_PORT
FN_ID=$(curl -fsS "$WAYS/v1/functions" | python3 -c 'import json, sys; print(next(f["id"] for f in json.load(sys.stdin)["functions"] if f["name"] == "json-node"))')
row ways-r "hot \`json\` echo, node, fresh agent, at /r/{app}/{route}" "$WAYS/r/bench/json-node"
row ways-t "the same, at its Fn trigger /t/{app}/{source}" "$WAYS/t/bench/hooks/echo"
row ways-invoke "the same, at Fn's /invoke/{fn_id}" "$WAYS/invoke/$FN_ID"
TOKEN_LUA=$WORK/post-token.lua
{ cat "$HERE/post.lua"; printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$(cat "$WORK/data-$WAYS_PORT/admin-token")"; } >"$TOKEN_LUA"
for c in 1 16; do measure ways-auth "the same echo with \`auth: token\`, the caller sending the token" "$WAYS/r/bench/json-node-auth" "$c" "$TOKEN_LUA"; done
kill "$LAST_PID" 2>/dev/null || true

# Async calls. Accepting: 202s to a function whose one async place is held by a call that
# sleeps, so every accepted call stays queued and the row measures the accept path alone
# (body read, one group commit, 202). Dispatching: an agent started on that data folder
# with the echo in the function's place runs every queued call (async_concurrency 4, as
# many as the sync rows' processes); the rate is calls per second from its start (JIT
# warm-up included) until none is left, against the same function called sync after.
ASYNC_DIR=$WORK/async
mkdir -p "$ASYNC_DIR/queued"
cat >"$ASYNC_DIR/queued/func.yml" <<YML
name: queued
app: bench
type: async
max_concurrency: 1
cmd: [sleep, "600"]
YML
ACCEPT_PORT=$(free_port)
FNAGENT_Limits__MaxQueuedAsyncCalls=10000000 FNAGENT_Limits__ShutdownGrace=00:00:00 \
  start_agent "$ASYNC_DIR" "$ACCEPT_PORT" "$WORK/async-accept.log"
ACCEPT_DATA=$WORK/data-$ACCEPT_PORT
for c in 1 16; do measure async-accept "async call accepted (202 after its commit), queued behind a busy function" "http://127.0.0.1:$ACCEPT_PORT/r/bench/queued" "$c" "$HERE/post-detached.lua"; done
kill "$LAST_PID" 2>/dev/null || true
wait "$LAST_PID" 2>/dev/null || true
cat >"$ASYNC_DIR/queued/func.yml" <<YML
name: queued
app: bench
format: json
max_concurrency: 4
async_concurrency: 4
min_idle: 4
idle_timeout: 600
cmd: [node, "$HERE/functions/json-node/echo.js"]
YML
DISPATCH_PORT=$(free_port)
DISPATCH_START=$(date +%s.%N)
dotnet "$AGENT_DLL" serve --functions "$ASYNC_DIR" --urls "http://127.0.0.1:$DISPATCH_PORT" --data "$ACCEPT_DATA" >"$WORK/async-dispatch.log" 2>&1 &
LAST_PID=$!
PIDS+=("$LAST_PID")
wait_http "http://127.0.0.1:$DISPATCH_PORT/health"
pending() { # queued or running calls left (0 or more)
  local n=0 status
  for status in queued running; do
    curl -fsS "http://127.0.0.1:$DISPATCH_PORT/v1/calls?fn=queued&status=$status&limit=1" | grep -q '"call_id"' && n=$((n + 1))
  done
  echo "$n"
}
until [ "$(pending)" = 0 ]; do sleep 0.05; done
DISPATCH_END=$(date +%s.%N)
DISPATCHED=$(grep -o '[0-9]* async calls queued before this start' "$WORK/async-dispatch.log" | awk '{print $1}')
DISPATCH_RPS=$(awk -v n="${DISPATCHED:-0}" -v a="$DISPATCH_START" -v b="$DISPATCH_END" 'BEGIN { printf "%.0f", n / (b - a) }')
RPS[async-dispatch-4]=$DISPATCH_RPS
ROWS+=("| async calls run from the queue after a restart (${DISPATCHED:-0} calls, hot \`json\` node echo, 4 at once; from the agent's start until none is left) | 4 | $DISPATCH_RPS | | | |")
log "dispatched ${DISPATCHED:-0} queued calls: $DISPATCH_RPS calls/s"
# The same function on the same agent, called sync: the rate the dispatch is measured against.
for c in 16; do measure async-sync "the same function called sync, same agent" "http://127.0.0.1:$DISPATCH_PORT/r/bench/queued" "$c"; done
kill "$LAST_PID" 2>/dev/null || true
# Sonr functions (docs/protocols.md §9): one fresh agent serving the same shell script twice,
# as a func.yml at /r and as a Sonr function at /v1/functions/{name}/{did}/{cid} whose content
# is the 17-byte body, stored as a blob. The Sonr call reads its binary and content from the
# content store and checks the content against its CID on every call.
SONR_DIR=$WORK/sonr-fns
mkdir -p "$SONR_DIR/sh-cat"
printf '#!/bin/sh\nexec cat\n' >"$SONR_DIR/sh-cat/sh-cat"
chmod 755 "$SONR_DIR/sh-cat" "$SONR_DIR/sh-cat/sh-cat"
printf 'name: sh-cat\napp: bench\ncmd: [./sh-cat]\n' >"$SONR_DIR/sh-cat/func.yml"
SONR_PORT=$(free_port)
start_agent "$SONR_DIR" "$SONR_PORT" "$WORK/sonr.log"
SONR=http://127.0.0.1:$SONR_PORT
SONR_TOKEN=$(cat "$WORK/data-$SONR_PORT/admin-token")
cid_of() { curl -fsS --data-binary "@$1" "$SONR/v1/blobs" | python3 -c 'import json, sys; print(json.load(sys.stdin)["cid"])'; }
printf '{"hello":"world"}' >"$WORK/sonr-content"
SONR_CONTENT=$(cid_of "$WORK/sonr-content")
curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $SONR_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"controller\": \"did:sonr:bench\", \"binary\": \"$(cid_of "$SONR_DIR/sh-cat/sh-cat")\"}" "$SONR/v1/sonr/functions/sh-cat"
row sonr-r "\`default\` format, a shell script execing \`cat\`, fresh agent, at /r/{app}/{route}" "$SONR/r/bench/sh-cat"
row sonr "the same script as a Sonr function, its content a blob, at /v1/functions/{name}/{did}/{cid}" "$SONR/v1/functions/sh-cat/did:sonr:bench/$SONR_CONTENT"
kill "$LAST_PID" 2>/dev/null || true
row json-python "hot \`json\` echo, python3" "$AGENT/r/bench/json-python"
row http-node "hot \`http\` echo, node" "$AGENT/r/bench/http-node"
row http-python "hot \`http\` echo, python3" "$AGENT/r/bench/http-python"

FDK_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -d '{"hello":"world"}' "$AGENT/r/bench/fdk-echo" || true)
if [ "$FDK_STATUS" = 200 ]; then
  row fdk "\`http-stream\` echo, node FDK" "$AGENT/r/bench/fdk-echo"
else
  log "http-stream answered $FDK_STATUS: not measured"
  for c in 1 16; do ROWS+=("| \`http-stream\` echo, node FDK | $c | n/a (format not available in this build) | | | |"); done
fi

AGENT_RSS_AFTER_LOAD=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$AGENT_PID/status")

# --- memory with 20 idle hot functions ------------------------------------------------
IDLE_DIR=$WORK/idle
for i in $(seq -w 1 20); do
  mkdir -p "$IDLE_DIR/idle-$i"
  cat >"$IDLE_DIR/idle-$i/func.yml" <<YML
name: idle-$i
app: idle
format: json
cmd: [python3, "$HERE/functions/json-python/echo.py"]
idle_timeout: 600
YML
done
IDLE_PORT=$(free_port)
start_agent "$IDLE_DIR" "$IDLE_PORT" "$WORK/idle.log"
IDLE_PID=$LAST_PID
RSS_BEFORE=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$IDLE_PID/status")
HOT_OK=0
for i in $(seq -w 1 20); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"hello":"world"}' "http://127.0.0.1:$IDLE_PORT/r/idle/idle-$i" || true)
  [ "$code" = 200 ] && HOT_OK=$((HOT_OK + 1))
done
sleep 5
RSS_IDLE=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$IDLE_PID/status")
HOT_PROCS=$(pgrep -P "$IDLE_PID" | wc -l)
log "agent RSS: $RSS_BEFORE MB at start, $RSS_IDLE MB with $HOT_OK hot functions idle ($HOT_PROCS child processes)"

# --- the table ------------------------------------------------------------------------
ratio() { awk -v a="${RPS[$1]:-0}" -v b="${RPS[$2]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
pct() { awk -v r="$1" 'BEGIN { if (r == "n/a") print r; else printf "%.0f%%", r * 100 }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { if (v == "n/a") print "n/a"; else if ((op == ">=" && v + 0 >= t) || (op == "<" && v + 0 < t)) print "holds"; else print "MISSED" }'; }
NODE_SHARE=$(ratio json-node-16 kestrel-16)
PROXY_SHARE=$(ratio proxy-16 kestrel-16)
NODE_OF_PROXY=$(ratio json-node-16 proxy-16)
NODE_P99=$(grep -F "| hot \`json\` echo, node | 16 |" <(printf '%s\n' "${ROWS[@]}") | awk -F'|' '{gsub(/ /, "", $6); print $6}')
HOT_COLD=$(ratio json-python-1 cold-python-1)
CAT_SHARE=$(ratio cat-16 spawn-16)
CAT_SHARE_SETSID=$(ratio cat-16 spawn-setsid-16)
CAT_OF_OWN=$(ratio cat-16 cat-own-16)
BOX_CAT=$(ratio cat-box-on-16 cat-box-off-16)
BOX_CAT_1=$(ratio cat-box-on-1 cat-box-off-1)
BOX_JSON=$(ratio json-box-on-16 json-box-off-16)
BOX_JSON_1=$(ratio json-box-on-1 json-box-off-1)
SQLITE_OF_MEMORY=$(ratio json-node-sqlite-16 json-node-memory-16)
ACCEPT_OF_KESTREL=$(ratio async-accept-16 kestrel-16)
DISPATCH_OF_SYNC=$(ratio async-dispatch-4 async-sync-16)
SONR_OF_R=$(ratio sonr-16 sonr-r-16)
SONR_OF_R_1=$(ratio sonr-1 sonr-r-1)

{
  echo "# fnagent load benchmark"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`benchmarks/load/run.sh\` (DURATION=${DURATION}s per row after ${WARMUP}s of warm-up;"
  echo "wrk -t1, POST of a 17-byte JSON body; everything on 127.0.0.1)."
  echo
  echo "Machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r),"
  echo ".NET $(dotnet --version), node $(node --version 2>/dev/null || echo -), $(python3 --version 2>&1), load average before the run: $LOAD_BEFORE."
  echo "wrk, the agent and the functions share these CPUs, so every number is a ratio within this one run."
  echo
  echo "| what | c | requests/s | p50 ms | p99 ms | errors |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Agent memory (VmRSS): $RSS_BEFORE MB at start; **$RSS_IDLE MB with $HOT_OK hot functions idle** (20 python3 json functions, each called once, then 5 s idle; $HOT_PROCS processes). The agent that served the rows above: $AGENT_RSS_AFTER_LOAD MB after the load."
  echo
  echo "| target | measured | verdict |"
  echo "|---|---:|---|"
  echo "| hot \`json\` node echo at c=16 >= 35% of bare Kestrel's requests/s | $(pct "$NODE_SHARE") (the reference proxy: $(pct "$PROXY_SHARE"); the agent makes $(pct "$NODE_OF_PROXY") of the proxy's) | $(verdict "$NODE_SHARE" ">=" 0.35) |"
  echo "| hot \`json\` node echo at c=16: p99 < 2 ms | $NODE_P99 ms | $(verdict "$NODE_P99" "<" 2) |"
  echo "| python3 echo at c=1: hot \`json\` >= 30x cold \`default\` | ${HOT_COLD}x | $(verdict "$HOT_COLD" ">=" 30) |"
  echo "| \`default\` \`cat\` at c=16 >= 80% of raw \`cat\` spawns/s | $(pct "$CAT_SHARE") (of \`setsid cat\`: $(pct "$CAT_SHARE_SETSID")) | $(verdict "$CAT_SHARE" ">=" 0.80) |"
  echo "| (no target) \`default\` \`cat\` at c=16 as the function user, of the same as the agent's own | $(pct "$CAT_OF_OWN") | - |"
  echo "| sandboxed \`default\` \`cat\` at c=16 >= 70% of unsandboxed (two fresh agents) | $(pct "$BOX_CAT") (c=1: $(pct "$BOX_CAT_1")) | $(verdict "$BOX_CAT" ">=" 0.70) |"
  echo "| sandboxed hot \`json\` node echo at c=16: nothing measurable per call (>= 95% of unsandboxed) | $(pct "$BOX_JSON") (c=1: $(pct "$BOX_JSON_1")) | $(verdict "$BOX_JSON" ">=" 0.95) |"
  echo "| hot \`json\` node echo at c=16 with records in SQLite >= 95% of records in memory only (two fresh agents) | $(pct "$SQLITE_OF_MEMORY") | $(verdict "$SQLITE_OF_MEMORY" ">=" 0.95) |"
  echo "| async calls accepted at c=16 >= 25% of bare Kestrel's requests/s | $(pct "$ACCEPT_OF_KESTREL") | $(verdict "$ACCEPT_OF_KESTREL" ">=" 0.25) |"
  echo "| queued async calls run >= 80% of the same function's sync rate at c=16, same agent | $(pct "$DISPATCH_OF_SYNC") | $(verdict "$DISPATCH_OF_SYNC" ">=" 0.80) |"
  echo "| (no target) a Sonr function at c=16, of the same script at /r | $(pct "$SONR_OF_R") (c=1: $(pct "$SONR_OF_R_1")) | - |"
  echo "| agent RSS with 20 hot functions idle < 150 MB | $RSS_IDLE MB | $(verdict "$RSS_IDLE" "<" 150) |"
  echo
  echo "Rows: *bare Kestrel echo* is a minimal ASP.NET Core app (benchmarks/load/KestrelEcho) echoing the body: the ceiling for anything served by Kestrel here."
  echo "*Kestrel piping json lines* is benchmarks/load/PipeProxy: the same Kestrel set-up handing each body to one of 4 node processes running the json-node echo, as one line in the json format's shape, and answering with the body that comes back; no call ids, records, logs, deadlines, limits or checks of the process. The least a hot \`json\` call can cost here; the agent's hot path does all of that on top."
  echo "*raw spawn* is benchmarks/load/Spawner: W workers each starting \`cat\` with System.Diagnostics.Process (stdin/stdout/stderr piped), writing the body, closing stdin, reading stdout to its end and awaiting the exit; requests/s is spawns/s, latencies are per spawn."
  echo "*setsid cat* is the same through setsid(1): how the agent started functions before it used posix_spawn (a second exec for a new session and process group); it now uses posix_spawn (a process group of its own, one exec), like the plain row."
  echo "The two \`default\` \`cat\` rows: a root agent runs functions as \`nobody\`, execing setpriv before the function (one exec more per process start); the second row's agent (\`FNAGENT_RunAs=root\`) runs them as itself. Both agents sandbox them where bubblewrap works."
  echo "The *fresh agent, in the sandbox* and *sandbox off* rows: two agents serving only \`cat\` and the node echo, one after the other; the first runs each process in bubblewrap (its exec, namespaces and mounts, then setpriv), the second (\`FNAGENT_Sandbox__Mode=Off\`) as \`nobody\` through setpriv alone."
  echo "Function rows call benchmarks/load/functions through the agent at /r/bench/<name>; hot functions have max_concurrency 4 (the default) and min_idle 4, and each measurement starts 1 s after its warm-up (see \`measure\` in the script)."
} >"$OUT"

cat "$OUT"
