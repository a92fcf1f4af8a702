# Prints each file descriptor it was started with, one "N -> target" a line, and its
# user and groups ("uid=U gid=G groups=..."), and the owner of its TMPDIR, which it writes to.
import os

listed = os.listdir("/proc/self/fd")
for name in sorted(listed, key=int):
    try:
        print(f"{name} -> {os.readlink(f'/proc/self/fd/{name}')}")
    except OSError:
        pass  # the listing's own descriptor, closed by now
print(f"uid={os.getuid()} gid={os.getgid()} groups={','.join(map(str, os.getgroups()))}")
tmpdir = os.environ.get("TMPDIR", "")
if tmpdir:
    with open(os.path.join(tmpdir, "probe"), "w") as probe:
        probe.write("x")
    os.remove(os.path.join(tmpdir, "probe"))
    print(f"tmpdir_owner={os.stat(tmpdir).st_uid} tmpdir_writable=yes")
