#!/usr/bin/env bash
# First thing (before the agent has moved it into a memory cgroup), leaves a child in a
# session of its own (setsid: out of reach of a process-group kill) that holds stdout and
# stderr, or only stderr, as the X-Mode header says; marked by the call id. Then answers
# after 0.3 s, or (mode "hang...") sleeps past its deadline.
mode="${FN_HEADER_X_MODE:-}"
child="exec -a fnagent-test-detached-$FN_CALL_ID sleep 30"
case "$mode" in
  *stderr*) setsid bash -c "$child" >/dev/null & ;;
  *) setsid bash -c "$child" & ;;
esac
cat >/dev/null
case "$mode" in
  hang*) sleep 30 ;;
  *) sleep 0.3 ;;
esac
echo hi
