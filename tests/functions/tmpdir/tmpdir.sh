#!/usr/bin/env bash
# Prints its private directory (TMPDIR), that directory's mode and entries, then does
# what the body asks: "litter" leaves a file in it, "open" lets everyone in.
echo "dir=$TMPDIR"
echo "mode=$(stat -c %a "$TMPDIR")"
echo "entries=$(ls -A "$TMPDIR")"
case "$(cat)" in
  litter) echo left > "$TMPDIR/left-behind" ;;
  open) chmod 755 "$TMPDIR" ;;
esac
