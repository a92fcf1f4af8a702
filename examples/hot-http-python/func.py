"""A hot http-format function: reads HTTP/1.1 requests from stdin and writes HTTP/1.1
responses to stdout, one call at a time, using only the standard library's parser."""
import http.client
import io
import sys

stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
calls = 0

while True:
    request_line = stdin.readline()
    if not request_line:
        break  # end of input: the agent is retiring this process
    method, target, _ = request_line.decode("latin-1").split(" ", 2)
    headers = http.client.parse_headers(stdin)
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = b""
        while (size := int(stdin.readline().split(b";")[0], 16)) > 0:
            body += stdin.read(size)
            stdin.readline()
        stdin.readline()
    else:
        body = stdin.read(int(headers.get("Content-Length", 0)))
    calls += 1
    print(f"call {headers['Fn_call_id']}: {method} {target}", file=sys.stderr, flush=True)

    answer = f"Hello {body.decode(errors='replace').strip() or 'World'} from hot http python! ({method} {target}, call {calls})\n".encode()
    stdout.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
    stdout.write(f"X-Calls-Served: {calls}\r\nContent-Length: {len(answer)}\r\n\r\n".encode() + answer)
    stdout.flush()
