#!/bin/sh
# What this function can see and do, one line each (docs/operations.md, "Sandbox").
status() { grep "^$1:" /proc/self/status | tr -s '\t ' ' '; }
echo "user: $(id)"
status CapEff
status CapBnd
status NoNewPrivs
echo "processes: $(ls /proc | grep '^[0-9]' | tr '\n' ' ')(this script, its commands, the sandbox's own pid 1)"
echo "root: $(ls / | tr '\n' ' ')"
echo "home: HOME=$HOME TMPDIR=$TMPDIR, $(df -k "${TMPDIR:-/tmp}" | awk 'NR==2 { print $2 " KB" }')"
if touch ./probe-write 2>/dev/null; then rm -f ./probe-write; echo "own folder: writable"; else echo "own folder: read-only"; fi
if cat /proc/1/environ >/dev/null 2>&1; then echo "pid 1 environment: readable"; else echo "pid 1 environment: not readable"; fi
echo "network interfaces: $(awk -F: 'NR > 2 { gsub(/ /, "", $1); printf "%s ", $1 }' /proc/net/dev)"
echo "open files: $(ulimit -n)"
exit 0
