// health-check.js: one check of the health gate, run by node on the host (node is there: it
// runs the app) as `node -e SCRIPT -- ARGUMENTS`.
// Arguments: SERVICE PORT HEALTH_PATH MODE WORKERS RELEASE STATE_FILE CURRENT APP_USER
// Healthy: the unit SERVICE is active; in cluster mode the runtime's STATE_FILE shows WORKERS
// workers ready on RELEASE, in single mode CURRENT points at RELEASE and the app's process started
// after it last changed; and GET http://127.0.0.1:PORT/HEALTH_PATH answers 2xx. When nothing
// answers on PORT, the ports APP_USER's processes listen on are named (an app listening on the
// wrong port: with a socket unit holding PORT, its connection waits there unanswered).
// Output: one line, the answer or the reason. Exit codes: 0 healthy; 1 not.
const [service, port, healthPath, mode, workers, release, stateFile, current, appUser] = process.argv.slice(1);
const fs = require('fs'), path = require('path'), http = require('http');
const { execFileSync } = require('child_process');
const TIMEOUT_MS = 5000;
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
// The listening TCP sockets of this network namespace: [{port, uid, queued}], queued being the
// connections waiting to be accepted. A socket is its creator's: a socket unit's is root's.
const listeningSockets = () => ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => {
  let lines = [];
  try { lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1); } catch (e) { /* no IPv6 */ }
  return lines.map((line) => line.trim().split(/\s+/)).filter((fields) => fields[3] === '0A').map((fields) => ({
    port: parseInt(fields[1].split(':')[1], 16), queued: parseInt(fields[4].split(':')[1], 16), uid: Number(fields[7]),
  }));
});
const uidOf = (user) => {
  const entry = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.split(':')[0] === user);
  return entry ? Number(entry.split(':')[2]) : null;
};
// Why nothing answered, when the app listens on other ports while nobody takes connections on PORT.
const wrongPort = (refused) => {
  const sockets = listeningSockets(), uid = uidOf(appUser);
  const own = [...new Set(sockets.filter((s) => s.uid === uid).map((s) => s.port))].sort((a, b) => a - b);
  const unaccepted = refused || sockets.some((s) => s.port === Number(port) && s.queued > 0);
  if (uid === null || own.length === 0 || own.includes(Number(port)) || !unaccepted) return '';
  return `; nothing accepts connections on fleet_app_port ${port}, and the app listens on port ${own.join(', ')}`;
};
const target = { host: '127.0.0.1', port: Number(port), path: healthPath, timeout: TIMEOUT_MS };
const request = http.get(target, (response) => {
  response.resume();
  if (response.statusCode >= 200 && response.statusCode < 300) { console.log(`GET ${healthPath}: HTTP ${response.statusCode}`); process.exit(0); }
  fail(`GET ${healthPath}: HTTP ${response.statusCode}`);
});
// Read the sockets while this connection still waits in the backlog, before it is closed.
request.on('timeout', () => {
  fail(`GET ${healthPath} on port ${port}: no answer within ${TIMEOUT_MS / 1000} s${wrongPort(false)}`);
});
request.on('error', (error) => fail(`GET ${healthPath}: ${error.message}${wrongPort(error.code === 'ECONNREFUSED')}`));
