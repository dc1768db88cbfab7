#!/usr/bin/env bash
# [log] max_file_mb and keep_files: a daemon whose events.jsonl and stderr log file reached the
# size rotates both (FILE.1, FILE.2, the oldest deleted), logs 30073, and `outpost events` still
# reads the rotated events. The files are filled beforehand, so the test does not depend on speed.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

computers "Rotation Test CA" agent1
cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["ms1.lab.test:9"]
[hosts]
"ms1.lab.test" = "127.0.0.1"
[log]
max_file_mb = 1
keep_files = 2
TOML
# 1.1 MB of valid events, one of them a marker; an older rotated file that keep_files drops.
python3 - <<'PY'
line = '{"id":30020,"level":"info","source":"test","time":"2026-12-06T10:00:00.000Z","message":"%s","fields":{}}\n'
with open("agent1/events.jsonl", "a") as f:
    f.write("".join(line % ("filler %06d" % i) for i in range(11000)))
    f.write(line % "rotation marker before")  # last: grep -q stops reading at it
with open("agent1/events.jsonl.1", "w") as f:
    f.write(line % "rotation marker one")
with open("agent1/events.jsonl.2", "w") as f:
    f.write(line % "rotation marker two")
with open("agent1.err", "w") as f:
    f.write("x" * (1024 * 1024 + 10) + "\n")
PY
"$OUTPOST" agent --config agent1.toml 2>>agent1.err &
pids+=($!)
check "the agent logs the rotation (30073)" wait_for 30 has_event agent1 30073 "events.jsonl"
check "events.jsonl was rotated to events.jsonl.1" \
  bash -c "grep -q 'rotation marker before' agent1/events.jsonl.1"
check "the former .1 became .2" bash -c "grep -q 'rotation marker one' agent1/events.jsonl.2"
check "files beyond keep_files = 2 are deleted" test ! -e agent1/events.jsonl.3
check "the new events.jsonl is small" test "$(stat -c %s agent1/events.jsonl)" -lt 100000
check "outpost events reads the rotated file too" \
  has_event agent1 30020 "rotation marker before"
check "the daemon's log file rotated as well" \
  wait_for 30 bash -c "test -e agent1.err.1 && test \$(stat -c %s agent1.err) -lt 100000"
check "and it still writes to the new one" wait_for 30 test -s agent1.err
finish
