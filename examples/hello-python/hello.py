import json
import os
import sys

body = sys.stdin.read()
try:
    name = json.loads(body).get("name", "World") if body.strip() else "World"
except (ValueError, AttributeError):
    name = body.strip() or "World"

print(f"hello-python: {os.environ['FN_METHOD']} {os.environ['FN_REQUEST_URL']}", file=sys.stderr)
json.dump({"message": f"Hello {name} from python!"}, sys.stdout)
