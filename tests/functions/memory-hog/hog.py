"""Allocates (and touches) as many MB as the body says; first prints 1 once it runs in a
memory cgroup of the agent's, or 0 if it is not moved into one within a second (the agent
moves a process in just after it starts; see docs/operations.md, Memory cgroups)."""
import sys
import time

deadline = time.monotonic() + 1
while "fnagent" not in open("/proc/self/cgroup").read() and time.monotonic() < deadline:
    time.sleep(0.005)
print(int("fnagent" in open("/proc/self/cgroup").read()), flush=True)
data = bytearray(int(sys.stdin.read()) << 20)
print(len(data) >> 20)
