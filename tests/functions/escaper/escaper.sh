#!/usr/bin/env bash
# Leaves a child behind in a session of its own, out of reach of a process-group kill,
# named after the call id so a test can look for it. It first waits (at most 2 s) until
# the agent has moved it into its memory cgroup, so the child starts in that group, and
# prints whether it got there.
for _ in $(seq 100); do
  grep -q fnagent /proc/self/cgroup && break
  sleep 0.02
done
echo "cgroup=$(grep -c fnagent /proc/self/cgroup)"
setsid bash -c "exec -a fnagent-test-escaped-$FN_CALL_ID sleep 300" </dev/null >/dev/null 2>&1 &
