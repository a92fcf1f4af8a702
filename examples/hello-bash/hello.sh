#!/usr/bin/env bash
# stdin: the request body. stdout: the response body. stderr: this call's log.
name=$(cat)
echo "hello-bash called with ${#name} bytes (call $FN_CALL_ID)" >&2
echo "Hello ${name:-World} from bash!"
