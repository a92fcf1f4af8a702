#!/usr/bin/env bash
# A hot json function that, as it starts (before the agent has moved it into a memory
# cgroup), leaves a child in a session of its own (setsid) holding its stdout and stderr,
# or (argument "stderr") only its stderr, named fnagent-test-hot-detached-<its pid>; then
# crashes on its first call.
child="exec -a fnagent-test-hot-detached-$$ sleep 30"
if [ "${1:-}" = stderr ]; then
  setsid bash -c "$child" >/dev/null &
else
  setsid bash -c "$child" &
fi
read -r _request
sleep 0.2
exit 3
