"""Cold echo: the request body on stdin is the response on stdout."""
import sys

sys.stdout.buffer.write(sys.stdin.buffer.read())
