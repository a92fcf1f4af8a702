#!/usr/bin/env bash
echo "sleeper $FN_CALL_ID starting" >&2
bash -c "exec -a fnagent-test-child-$FN_CALL_ID sleep 300" &
exec -a "fnagent-test-main-$FN_CALL_ID" sleep 300
