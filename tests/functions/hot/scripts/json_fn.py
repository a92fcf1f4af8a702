"""A hot json-format test function (docs/protocols.md §3), standard library only.

The request body picks a behaviour, so one process can be driven through every
misbehaviour the agent must survive:
  echo (any other body)  answer the body back, with the pid and call id in headers
  garbage                print something that is not JSON
  stray                  print a stray line, then a proper response
  trailing               a proper response, then bytes after it
  crash                  exit in the middle of the call
  big                    a response over the 10 MiB limit
  sleep:N                sleep N seconds, then answer (late, if past the timeout)
  status:N               answer with status N and a custom header
  late                   answer, then 5-50 ms later write garbage (from another thread)
  late-json              answer, then 5-50 ms later write a second, valid response
"""
import json
import os
import sys
import time

SLOW = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0


def answer(body, status=200, headers=None):
    response = {
        "body": body,
        "content_type": "text/plain",
        "protocol": {"status_code": status, "headers": headers or {}},
    }
    sys.stdout.write(json.dumps(response) + "\n\n")
    sys.stdout.flush()


def write_late(text):
    import random  # here, not at the top: most test processes start under a 1 s timeout
    time.sleep(random.uniform(0.005, 0.05))
    sys.stdout.write(text)
    sys.stdout.flush()


def main():
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        if not line.strip():
            continue
        request = json.loads(line)
        body = request["body"]
        pid = str(os.getpid())
        print(f"json_fn {pid} got call {request['call_id']}", file=sys.stderr, flush=True)
        if SLOW:
            time.sleep(SLOW)
        if body == "garbage":
            sys.stdout.write("this is not json\n")
            sys.stdout.flush()
        elif body == "stray":
            print("debug: a stray print", flush=True)
            answer("after stray")
        elif body == "trailing":
            answer("complete")
            sys.stdout.write("extra bytes")
            sys.stdout.flush()
        elif body == "crash":
            sys.stdout.write('{"body": "half')
            sys.stdout.flush()
            os._exit(7)
        elif body == "big":
            answer("x" * (11 * 1024 * 1024))
        elif body.startswith("sleep:"):
            time.sleep(float(body[6:]))
            answer("late answer from " + pid)
        elif body in ("late", "late-json"):
            answer("on time")
            late = "garbage written late\n" if body == "late" else json.dumps({"body": "late answer"}) + "\n\n"
            import threading
            threading.Thread(target=write_late, args=(late,), daemon=True).start()
        elif body.startswith("status:"):
            answer("custom", int(body[7:]), {"X-Custom": ["yes"]})
        else:
            answer(body, 200, {"X-Pid": [pid], "X-Call-Id": [request["call_id"]],
                               "X-Method": [request["protocol"]["method"]]})


main()
