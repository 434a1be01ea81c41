// health-check.js: one check of the health gate, run by node on the host (node is there: it
// runs the app) as `node -e SCRIPT -- ARGUMENTS`.
// Arguments: SERVICE PORT HEALTH_PATH MODE WORKERS RELEASE STATE_FILE CURRENT
// Healthy: the unit SERVICE is active; in cluster mode the runtime's STATE_FILE shows WORKERS
// workers ready on RELEASE, in single mode CURRENT points at RELEASE and the app's process started
// after it last changed; and GET http://127.0.0.1:PORT/HEALTH_PATH answers 2xx.
// Output: one line, the answer or the reason. Exit codes: 0 healthy; 1 not.
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
