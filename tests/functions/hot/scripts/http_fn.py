"""A hot http-format test function (docs/protocols.md §4), standard library only.

Behaviours by request body: echo (default), garbage, noframing, crash, close
(answer with Connection: close), chunked (answer chunked), notmodified (a 304 that
names a Content-Length and, as it must, sends no body). A HEAD request is answered
with the Content-Length a GET would have and no body (RFC 9110 9.3.2).
"""
import os
import sys

stdin = sys.stdin.buffer
stdout = sys.stdout.buffer


def read_request():
    line = stdin.readline()
    if not line:
        return None
    method, target, _ = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    headers = {}
    while True:
        h = stdin.readline().decode("latin-1").rstrip("\r\n")
        if not h:
            break
        name, value = h.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = stdin.read(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int(stdin.readline().split(b";")[0].strip(), 16)
            if size == 0:
                stdin.readline()
                break
            body += stdin.read(size)
            stdin.readline()
    else:
        body = b""
    return method, target, headers, body


def respond(status, body, extra=b""):
    stdout.write(b"HTTP/1.1 %d OK\r\nContent-Type: text/plain\r\nX-Pid: %d\r\n%sContent-Length: %d\r\n\r\n"
                 % (status, os.getpid(), extra, len(body)) + body)
    stdout.flush()


while True:
    request = read_request()
    if request is None:
        break
    method, target, headers, body = request
    print(f"http_fn {os.getpid()} {method} {target} call {headers.get('fn_call_id')}", file=sys.stderr, flush=True)
    if method == "HEAD":
        stdout.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Pid: %d\r\nContent-Length: 5\r\n\r\n" % os.getpid())
        stdout.flush()
    elif body == b"notmodified":
        stdout.write(b"HTTP/1.1 304 Not Modified\r\nX-Pid: %d\r\nContent-Length: 7\r\n\r\n" % os.getpid())
        stdout.flush()
    elif body == b"garbage":
        stdout.write(b"NOT HTTP AT ALL\r\n\r\n")
        stdout.flush()
    elif body == b"noframing":
        stdout.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length")
        stdout.flush()
    elif body == b"crash":
        stdout.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
        stdout.flush()
        os._exit(3)
    elif body == b"close":
        respond(200, b"bye", b"Connection: close\r\n")
    elif body == b"chunked":
        stdout.write(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Pid: %d\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n" % os.getpid())
        stdout.flush()
    else:
        extra = b"X-Method: %s\r\nX-Target: %s\r\nX-Fn-Call-Id: %s\r\n" % (
            method.encode(), target.encode(), headers.get("fn_call_id", "").encode())
        respond(200, body, extra)
