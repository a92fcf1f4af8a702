#!/usr/bin/env bash
# Leaves a child in a session of its own (setsid: out of reach of a process-group kill,
# and started before the agent's move into a memory cgroup) that holds stdout and stderr,
# or only stderr, as the body says; marked by the call id. Then answers after 0.3 s, or
# ("hang") sleeps past its deadline.
mode=$(cat)
child="exec -a fnagent-test-detached-$FN_CALL_ID sleep 30"
case "$mode" in
  *stderr*) setsid bash -c "$child" >/dev/null & ;;
  *) setsid bash -c "$child" & ;;
esac
case "$mode" in
  hang*) sleep 30 ;;
  *) sleep 0.3 ;;
esac
echo hi
