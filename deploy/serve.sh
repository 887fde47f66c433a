#!/usr/bin/env bash
# Serve Descent to a class: N streamlit processes (one per core by default) on local ports,
# behind nginx with sticky sessions and WebSocket upgrade. Runs in the foreground; Ctrl-C (or
# SIGTERM) stops nginx and every streamlit process it started.
#
#   deploy/serve.sh [-n WORKERS] [-p PORT] [-b BASE_PORT] [-d RUN_DIR] [-a ADDRESS]
#
#   -n  streamlit processes (default: the number of cores)
#   -p  the port nginx listens on (default 8501); students open http://HOST:PORT/
#   -b  first backend port (default 8601); backends use BASE_PORT .. BASE_PORT+N-1 on 127.0.0.1
#   -d  directory for the rendered nginx config, logs, pid and temp files (default ./run/serve)
#   -a  address nginx listens on (default 0.0.0.0; 127.0.0.1 for a local try)
#
# Needs nginx (Debian package `nginx`): installed with apt-get when missing and run as root.
# The system's nginx service is never touched: this nginx has its own config and prefix.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORKERS="$(nproc 2>/dev/null || echo 2)"
PORT=8501
BASE=8601
RUN="$ROOT/run/serve"
ADDRESS=0.0.0.0
PYTHON="${PYTHON:-python3}"
while getopts "n:p:b:d:a:h" opt; do
    case "$opt" in
        n) WORKERS="$OPTARG" ;;
        p) PORT="$OPTARG" ;;
        b) BASE="$OPTARG" ;;
        d) RUN="$OPTARG" ;;
        a) ADDRESS="$OPTARG" ;;
        *) sed -n '2,17p' "$0"; exit 2 ;;
    esac
done

NGINX="$(command -v nginx || true)"
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "serve.sh: nginx is missing; install the Debian package 'nginx' (as root)" >&2
        exit 1
    fi
    echo "serve.sh: installing nginx" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    NGINX=/usr/sbin/nginx
fi

mkdir -p "$RUN/tmp" "$RUN/logs"
RUN="$(cd "$RUN" && pwd)"
PIDS=()
stop() {
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 0' INT TERM

SERVERS=""
for ((i = 0; i < WORKERS; i++)); do
    port=$((BASE + i))
    (cd "$ROOT" && exec "$PYTHON" -m streamlit run app.py --server.headless true \
        --server.port "$port" --server.address 127.0.0.1 --browser.gatherUsageStats false \
        --server.fileWatcherType none) >"$RUN/logs/streamlit-$port.log" 2>&1 &
    PIDS+=("$!")
    SERVERS+="        server 127.0.0.1:$port max_fails=0;"$'\n'
done

for ((i = 0; i < WORKERS; i++)); do     # every backend healthy before nginx takes students
    port=$((BASE + i))
    for _ in $(seq 1 240); do
        if "$PYTHON" - "$port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_stcore/health", timeout=2) as r:
    sys.exit(0 if r.read().strip() == b"ok" else 1)
PY
        sleep 0.5
    done
done

USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"   # workers as the invoking user, not nobody
"$PYTHON" - "$ROOT/deploy/nginx.conf.template" "$RUN/nginx.conf" "$RUN" "$ADDRESS:$PORT" \
    "$USER_LINE" "$SERVERS" <<'PY'
import sys
template, out, run, listen, user_line, servers = sys.argv[1:]
text = open(template).read()
for key, value in (("@RUN@", run), ("@LISTEN@", listen), ("@USER_LINE@", user_line),
                   ("@SERVERS@", servers.rstrip("\n"))):
    text = text.replace(key, value)
open(out, "w").write(text)
PY

echo "serve.sh: $WORKERS streamlit process(es) on 127.0.0.1:$BASE.. behind nginx on $ADDRESS:$PORT" >&2
"$NGINX" -p "$RUN" -e "$RUN/error.log" -c "$RUN/nginx.conf" &
PIDS+=("$!")
wait "${PIDS[-1]}"
