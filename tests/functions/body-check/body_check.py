import os
import sys

base = os.path.join("/tmp", "fnagent-test-body-" + os.environ.get("FN_HEADER_X_TEST_TAG", "untagged"))


def mark(suffix, text):
    # Written whole, then renamed: a test polling for the file never reads half of it.
    with open(base + suffix + ".tmp", "w") as f:
        f.write(text)
    os.rename(base + suffix + ".tmp", base + suffix)


mark(".started", os.environ["FN_CALL_ID"])
data = sys.stdin.buffer.read()
mark(".eof", str(len(data)))
sys.stdout.write("got %d bytes" % len(data))
