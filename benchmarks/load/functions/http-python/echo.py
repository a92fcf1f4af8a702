"""Hot http echo: HTTP/1.1 requests on stdin, each body sent back as the response."""
import sys

stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
while True:
    request_line = stdin.readline()
    if not request_line:
        break  # end of input: the agent retires this process
    length, chunked, content_type = 0, False, b"text/plain"
    while (header := stdin.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.partition(b":")
        name, value = name.strip().lower(), value.strip()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and value.lower() == b"chunked":
            chunked = True
        elif name == b"content-type":
            content_type = value
    if chunked:
        body = b""
        while (size := int(stdin.readline().split(b";")[0], 16)) > 0:
            body += stdin.read(size)
            stdin.readline()
        stdin.readline()
    else:
        body = stdin.read(length)
    stdout.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    stdout.flush()
