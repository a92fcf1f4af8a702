#!/usr/bin/env bash
# Prints its private directory (TMPDIR), that directory's mode and entries, and whether it
# runs in a memory cgroup of the agent's; then does what the body asks: "litter" leaves a
# file in it, "open" lets everyone in, "escape" leaves a child in a session of its own
# that writes into it a moment later.
echo "dir=$TMPDIR"
echo "mode=$(stat -c %a "$TMPDIR")"
echo "entries=$(ls -A "$TMPDIR")"
echo "cgroup=$(grep -c fnagent /proc/self/cgroup)"
case "$(cat)" in
  litter) echo left > "$TMPDIR/left-behind" ;;
  open) chmod 755 "$TMPDIR" ;;
  escape) setsid bash -c 'sleep 0.5; echo planted > "$TMPDIR/planted"' </dev/null >/dev/null 2>&1 & ;;
esac
