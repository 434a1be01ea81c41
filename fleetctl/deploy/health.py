"""The health gate: the service is active, runs the new release with the expected
workers, and answers the app's health path, checked on the host over SSH."""

import time
from dataclasses import dataclass

from fleetctl.domain import RunningProcess
from fleetctl.inventory import AppSpec
from fleetctl.transport import Transport, TransportError

# One check, run by node on the host (node is there: it runs the app). Exit 0
# and one line when healthy, exit 1 and the reason otherwise.
CHECK_JS = r"""
const [service, port, healthPath, mode, workers, release, stateFile, current] = process.argv.slice(1);
const fs = require('fs'), path = require('path'), http = require('http');
const { execFileSync } = require('child_process');
const fail = (why) => { console.log(why); process.exit(1); };
const show = (property) => execFileSync('systemctl', ['show', '-p', property, '--value', service]).toString().trim();
const active = show('ActiveState');
if (active !== 'active') fail(`service ${service} is ${active}`);
if (mode === 'cluster') {
  let state;
  try { state = JSON.parse(fs.readFileSync(stateFile, 'utf8')); } catch (e) { fail(`no runtime state in ${stateFile}`); }
  const ready = state.workers.filter((w) => w.state === 'ready' && path.basename(w.release) === release).length;
  if (ready < Number(workers)) fail(`${ready}/${workers} workers ready on release ${release}`);
} else {
  // /proc/PID/cwd needs ptrace rights that root lacks in containers; instead: `current`
  // points at the release, and the app's process started after `current` last changed.
  let target = '';
  try { target = path.basename(fs.readlinkSync(current)); } catch (e) { fail(`no ${current} symlink`); }
  if (target !== release) fail(`${current} points at ${target}, not ${release}`);
  const pid = show('MainPID');
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const startedMs = Date.now() - (uptime - startTicks / 100) * 1000;
  if (startedMs + 50 < fs.lstatSync(current).mtimeMs) fail(`the app (pid ${pid}) started before the switch to ${release}`);
}
const request = http.get({ host: '127.0.0.1', port: Number(port), path: healthPath, timeout: 5000 }, (response) => {
  response.resume();
  if (response.statusCode >= 200 && response.statusCode < 300) { console.log(`GET ${healthPath}: HTTP ${response.statusCode}`); process.exit(0); }
  fail(`GET ${healthPath}: HTTP ${response.statusCode}`);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (error) => fail(`GET ${healthPath}: ${error.message}`));
"""


@dataclass(frozen=True)
class HealthResult:
    healthy: bool
    detail: str  # the last check's one-line answer
    attempts: int


def health_check_argv(app: AppSpec, process: RunningProcess, release_id: str) -> list[str]:
    return ["node", "-e", CHECK_JS, "--", app.unit_name, str(app.port), app.health_path, process.mode.value,
            str(process.workers), release_id, app.runtime_state_file, app.current]


def wait_healthy(transport: Transport, app: AppSpec, process: RunningProcess, release_id: str,
                 timeout: float, retries: int) -> HealthResult:
    """Check until the app started as `process` serves release_id healthily, at most retries + 1 times
    spread over timeout seconds."""
    argv = health_check_argv(app, process, release_id)
    attempts = retries + 1
    interval = timeout / attempts
    deadline = time.monotonic() + timeout
    detail = "not checked"
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        try:
            # A check may use what is left of the gate: on a slow host (an emulated pi under load)
            # starting node alone can take longer than the interval between checks.
            result = transport.run(argv, timeout=max(10.0, interval, deadline - started))
            detail = (result.stdout.strip().splitlines() or [result.stderr.strip() or f"exit {result.exit_code}"])[-1]
            if result.ok:
                return HealthResult(True, detail, attempt)
        except TransportError as error:
            detail = str(error)
        if time.monotonic() >= deadline:
            return HealthResult(False, detail, attempt)
        time.sleep(max(0.0, min(interval - (time.monotonic() - started), deadline - time.monotonic())))
    return HealthResult(False, detail, attempts)
