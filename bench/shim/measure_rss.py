"""measure_rss.py DIR PORT ROUNDS: run on a host by bench/shim/run_shim_bench.py (python3, no packages).

In DIR: the example app (server.js, package.json), socket-shim.js and an empty empty.js. Each round
starts, in turn (the order reversed every other round), the app as `node server.js` (bare: it binds
PORT), as `node --require empty.js server.js` (preload: what any --require costs) and as fleetctl's
single-mode unit runs it, `node --require socket-shim.js server.js` (shim), given PORT's socket as
systemd passes it: this script holds a listening socket and execs node with it as fd 3,
LISTEN_FDS=1 and LISTEN_PID=node's pid. Once the app answers, it gets 200 requests, then its memory is read: VmRSS
(/proc/PID/status) and Pss (smaps_rollup). Prints one JSON list of {variant, round, rss_kib,
pss_kib, start_s}.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

folder, port, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
# sh execs node: LISTEN_PID is node's pid, as systemd sets it.
COMMANDS = {
    "bare": ["node", "server.js"],
    "preload": ["node", "--require", "./empty.js", "server.js"],
    "shim": ["sh", "-c", 'LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"', "sh", "node", "--require", "./socket-shim.js",
             "server.js"],
}


def held_socket():
    """The socket a socket unit would hold: every address, as ListenStream=PORT with BindIPv6Only=both."""
    held = socket.socket(socket.AF_INET6)
    held.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.bind(("::", port))
    held.listen(511)
    return held


def get(path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def kib(path, field):
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


results = []
for number in range(rounds):
    for variant in (list(COMMANDS) if number % 2 == 0 else list(reversed(COMMANDS))):
        held = held_socket() if variant == "shim" else None
        started = time.monotonic()
        # This script runs no thread: preexec_fn is safe. The socket becomes the child's fd 3.
        process = subprocess.Popen(COMMANDS[variant], cwd=folder, env=dict(os.environ, PORT=str(port)),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   pass_fds=(3,) if held else (),
                                   preexec_fn=(lambda: os.dup2(held.fileno(), 3)) if held else None)
        deadline = time.monotonic() + 120
        while True:
            try:
                if get("/healthz") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                sys.exit(f"{variant} never answered")
            time.sleep(0.1)
        start_s = time.monotonic() - started
        for _ in range(200):
            get("/")
        time.sleep(0.5)
        results.append({"variant": variant, "round": number + 1, "start_s": round(start_s, 2),
                        "rss_kib": kib(f"/proc/{process.pid}/status", "VmRSS"),
                        "pss_kib": kib(f"/proc/{process.pid}/smaps_rollup", "Pss")})
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        if held:
            held.close()
        time.sleep(0.5)  # the port free again for the next one
print(json.dumps(results))
