# Prints each file descriptor it was started with, one "N -> target" a line, and its
# user and groups ("uid=U gid=G groups=...").
import os

listed = os.listdir("/proc/self/fd")
for name in sorted(listed, key=int):
    try:
        print(f"{name} -> {os.readlink(f'/proc/self/fd/{name}')}")
    except OSError:
        pass  # the listing's own descriptor, closed by now
print(f"uid={os.getuid()} gid={os.getgid()} groups={','.join(map(str, os.getgroups()))}")
