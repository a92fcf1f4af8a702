#!/usr/bin/env python3
"""A callback listener for Sonr functions (docs/protocols.md section 9): prints each
delivery's Sonr-* headers and body, answers 200. Usage: listener.py [PORT] (9000)."""
import http.server
import sys


class Listener(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        sonr = " ".join(f"{k}={v}" for k, v in self.headers.items() if k.lower().startswith("sonr-"))
        print(f"{sonr}\n{body.decode(errors='replace')}", flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
http.server.HTTPServer(("127.0.0.1", port), Listener).serve_forever()
