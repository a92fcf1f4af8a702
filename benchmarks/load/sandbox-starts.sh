#!/usr/bin/env bash
# Where a sandboxed cold start's time goes (docs/performance.md, "The sandbox"): N starts of
# each variant one after the other, ms per start. Needs root (setpriv to nobody), bubblewrap.
set -euo pipefail
N=${N:-300}
SP="/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups"
D=$(mktemp -d /tmp/fnagent-starts.XXXXXX); chmod 755 "$D"; trap 'rm -rf "$D"' EXIT
ROOT=""
for f in /usr /bin /sbin /lib /lib64 /etc; do
  if [ -L "$f" ]; then ROOT+=" --symlink $(readlink "$f") $f"; elif [ -d "$f" ]; then ROOT+=" --ro-bind $f $f"; fi
done
BOX="/usr/bin/bwrap --unshare-pid --unshare-ipc --unshare-uts --die-with-parent$ROOT --proc /proc --dev /dev --size 67108864 --perms 1777 --tmpfs /tmp --ro-bind $D $D --chdir $D"
t() { local label=$1; shift; local s e; s=$(date +%s%N); for _ in $(seq "$N"); do "$@" </dev/null >/dev/null; done; e=$(date +%s%N)
  awk -v l="$label" -v a="$s" -v b="$e" -v n="$N" 'BEGIN { printf "| %s | %.2f |\n", l, (b - a) / n / 1e6 }'; }
echo "| start | ms |"; echo "|---|---:|"
t "\`cat\`" /usr/bin/cat
t "\`setpriv ... -- cat\` (the unsandboxed start as \`nobody\`)" $SP -- /usr/bin/cat
t "\`bwrap --ro-bind / / true\` (bubblewrap's own exec and clone)" /usr/bin/bwrap --ro-bind / / /usr/bin/true
t "+ \`--unshare-pid\`" /usr/bin/bwrap --ro-bind / / --unshare-pid /usr/bin/true
t "+ \`--unshare-ipc --unshare-uts\`" /usr/bin/bwrap --ro-bind / / --unshare-pid --unshare-ipc --unshare-uts /usr/bin/true
t "the sandbox's namespaces and mounts, \`true\`" $BOX -- /usr/bin/true
t "the sandbox, setpriv, \`cat\` (what the agent runs)" $BOX -- $SP --bounding-set=-all --inh-caps=-all -- /usr/bin/cat
t "the same with \`--unshare-net\`" ${BOX/--die-with-parent/--die-with-parent --unshare-net} -- $SP --bounding-set=-all --inh-caps=-all -- /usr/bin/cat
