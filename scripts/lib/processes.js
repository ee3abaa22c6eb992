'use strict';
// Child processes that are always cleaned up.
//
// Every process is spawned `detached` (its own process group) so that n8n and
// the task runner it forks die together when we kill the group. Each one is
// also written to a pid file under the run's work folder; a later run (after a
// crash or a `kill -9` of the test runner) kills leftovers from those files
// before it starts anything.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** @type {Map<number, {name: string, pidFile?: string}>} */
const live = new Map();

function groupAlive(pid) {
	try {
		process.kill(-pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

function killGroupNow(pid, signal) {
	try {
		process.kill(-pid, signal);
	} catch {
		// already gone
	}
}

let hooksInstalled = false;
function installExitHooks() {
	if (hooksInstalled) return;
	hooksInstalled = true;
	// 'exit' handlers must be synchronous: SIGKILL every group we still own.
	process.on('exit', () => {
		for (const [pid, info] of live) {
			killGroupNow(pid, 'SIGKILL');
			if (info.pidFile) fs.rmSync(info.pidFile, { force: true });
		}
	});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.once(signal, () => {
			// Someone else (e.g. scripts/start.js) handles this signal and stops things
			// gracefully; the 'exit' hook above still catches whatever they miss.
			if (process.listenerCount(signal) > 0) return;
			for (const pid of live.keys()) killGroupNow(pid, 'SIGTERM');
			process.exit(130);
		});
	}
}

/**
 * Spawns a tracked process in its own group. stdout+stderr are appended to
 * `logFile` and passed to `onLine` line by line.
 * @returns {{ child: import('node:child_process').ChildProcess, pid: number, exited: Promise<{code: number|null, signal: string|null}> }}
 */
function spawnTracked(name, cmd, args, { cwd, env, logFile, onLine, pidDir }) {
	installExitHooks();
	const out = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
	const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	const pid = /** @type {number} */ (child.pid);
	let pidFile;
	if (pidDir && pid) {
		fs.mkdirSync(pidDir, { recursive: true });
		pidFile = path.join(pidDir, `${name}-${pid}.pid`);
		fs.writeFileSync(pidFile, String(pid));
	}
	if (pid) live.set(pid, { name, pidFile });
	let partial = '';
	const feed = (chunk) => {
		out?.write(chunk);
		if (!onLine) return;
		const text = partial + chunk.toString('utf8');
		const lines = text.split('\n');
		partial = lines.pop() ?? '';
		for (const line of lines) onLine(line);
	};
	child.stdout.on('data', feed);
	child.stderr.on('data', feed);
	const exited = new Promise((resolve) => {
		child.on('exit', (code, signal) => {
			if (partial && onLine) onLine(partial);
			out?.end();
			live.delete(pid);
			if (pidFile) fs.rmSync(pidFile, { force: true });
			resolve({ code, signal });
		});
		child.on('error', (error) => {
			out?.write(`spawn error: ${error.message}\n`);
			live.delete(pid);
			resolve({ code: -1, signal: null });
		});
	});
	return { child, pid, exited };
}

/** SIGTERM the whole group, SIGKILL after `graceMs`; resolves when it is gone. */
async function stopGroup(pid, exited, graceMs = 10000) {
	if (!pid) return;
	killGroupNow(pid, 'SIGTERM');
	const timedOut = await Promise.race([
		exited.then(() => false),
		new Promise((r) => setTimeout(() => r(true), graceMs).unref()),
	]);
	if (timedOut || groupAlive(pid)) {
		killGroupNow(pid, 'SIGKILL');
		await exited;
	}
	// The task runner may outlive its parent for a moment: finish the group off.
	for (let i = 0; i < 50 && groupAlive(pid); i++) {
		killGroupNow(pid, 'SIGKILL');
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Kills process groups left behind by earlier, crashed runs (pid files under `root`). */
function killLeftovers(root) {
	if (!fs.existsSync(root)) return 0;
	let killed = 0;
	const walk = (dir, depth) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory() && depth < 3) walk(full, depth + 1);
			else if (entry.isFile() && entry.name.endsWith('.pid')) {
				const pid = Number(fs.readFileSync(full, 'utf8'));
				if (pid && pid !== process.pid && groupAlive(pid)) {
					killGroupNow(pid, 'SIGKILL');
					killed++;
				}
				fs.rmSync(full, { force: true });
			}
		}
	};
	walk(root, 0);
	return killed;
}

/** Runs a command to completion (tracked, so it dies with us); rejects on non-zero exit. */
async function runTracked(name, cmd, args, opts) {
	const lines = [];
	const { exited } = spawnTracked(name, cmd, args, {
		...opts,
		onLine: (line) => {
			lines.push(line);
			if (lines.length > 200) lines.shift();
			opts.onLine?.(line);
		},
	});
	const { code, signal } = await exited;
	if (code !== 0) {
		throw new Error(`${name} failed (${signal ?? `exit ${code}`}): ${cmd} ${args.join(' ')}\n${lines.slice(-40).join('\n')}`);
	}
	return lines.join('\n');
}

module.exports = { spawnTracked, stopGroup, killLeftovers, runTracked, groupAlive };
