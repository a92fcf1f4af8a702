"""A hot json-format function: one JSON request per line on stdin, one JSON response
(followed by a blank line) per call on stdout. Standard library only."""
import json
import sys

calls = 0
for line in iter(sys.stdin.readline, ""):
    if not line.strip():
        continue  # the blank line after each request
    request = json.loads(line)
    calls += 1
    try:
        name = json.loads(request["body"] or "{}").get("name", "World")
    except (ValueError, AttributeError):
        name = request["body"] or "World"
    print(f"call {request['call_id']}: serving call number {calls} of this process", file=sys.stderr)
    response = {
        "body": json.dumps({"message": f"Hello {name} from hot python!", "calls_served": calls}),
        "content_type": "application/json",
        "protocol": {"status_code": 200, "headers": {"X-Calls-Served": [str(calls)]}},
    }
    sys.stdout.write(json.dumps(response) + "\n\n")
    sys.stdout.flush()
