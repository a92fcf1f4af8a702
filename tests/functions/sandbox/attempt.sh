#!/bin/bash
# One escape attempt per call, named by the first word of the request body (the Sandbox
# tests): whether it was allowed, or what it saw.
read -r action arg || true
case "$action" in
  read) if cat "$arg" >/dev/null 2>&1; then echo "allowed"; else echo "denied"; fi ;;
  show) cat "$arg" 2>/dev/null | tr '\0' '\n' ;;
  write) if (echo x >"$arg") 2>/dev/null; then rm -f "$arg"; echo "allowed"; else echo "denied"; fi ;;
  list) ls -A "$arg" 2>&1 | tr '\n' ' ' ;;
  processes) ls /proc | grep -c '^[0-9][0-9]*$' ;;
  fill) dd if=/dev/zero of="$TMPDIR/fill" bs=1048576 count="$arg" 2>&1 | grep -o 'No space left on device' | head -n 1 ;;
  connect) if timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$arg" 2>/dev/null; then echo "allowed"; else echo "denied"; fi ;;
  admin) exec 3<>"/dev/tcp/127.0.0.1/$arg" && printf 'GET /v1/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 && head -n 1 <&3 | tr -d '\r' ;;
  admin6) python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6)  # dual-stack, as .NET and node clients are
s.connect(("::ffff:127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /v1/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
print(s.makefile().readline().strip())' "$arg" ;;
  files) echo "$(ulimit -Sn) $(ulimit -Hn)" ;;
  raise) if ulimit -n 4096 2>/dev/null; then echo "allowed"; else echo "denied"; fi ;;
  setsid) setsid sleep 60 </dev/null >/dev/null 2>&1 & echo "started" ;;
  *) echo "unknown attempt '$action'" >&2; exit 2 ;;
esac
