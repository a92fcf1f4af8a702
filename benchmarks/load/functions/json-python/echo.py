"""Hot json echo: one request per line on stdin, the body sent back as the response."""
import json
import sys

stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
while True:
    line = stdin.readline()
    if not line:
        break  # end of input: the agent retires this process
    if not line.strip():
        continue  # the blank line after each request
    request = json.loads(line)
    answer = {"body": request["body"], "content_type": request.get("content_type") or "text/plain"}
    stdout.write(json.dumps(answer).encode() + b"\n\n")
    stdout.flush()
