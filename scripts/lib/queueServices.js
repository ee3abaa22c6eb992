'use strict';
// Redis and PostgreSQL for an n8n queue-mode run: our OWN throwaway instances
// on free ports of 127.0.0.1 (never the system services), installed from
// Debian when absent, started as tracked process groups so they die with us
// (see scripts/lib/processes.js), and their data folders removed on stop.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnTracked, stopGroup, runTracked } = require('./processes');
const { freePort, waitFor } = require('./net');
const { pidAlive } = require('../n8n-runtime');

const APT_PACKAGES = ['redis-server', 'postgresql'];

function isRoot() {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin). */
function postgresBinDir() {
	const root = '/usr/lib/postgresql';
	if (!fs.existsSync(root)) return null;
	const majors = fs
		.readdirSync(root)
		.filter((name) => /^\d+$/.test(name) && fs.existsSync(path.join(root, name, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return majors.length ? path.join(root, majors[0], 'bin') : null;
}

function redisServerBin() {
	for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
		if (fs.existsSync(candidate)) return candidate;
	}
	return null;
}

/** Installs redis-server and postgresql from Debian when either is missing (root only, never prompts). */
async function ensureInstalled(log = () => {}) {
	if (redisServerBin() && postgresBinDir()) return;
	if (!isRoot()) {
		throw new Error(`Redis or PostgreSQL is missing; install them first: sudo apt-get install -y ${APT_PACKAGES.join(' ')}`);
	}
	log(`installing ${APT_PACKAGES.join(', ')} from Debian (apt-get)`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	await runTracked('apt-get-update', 'apt-get', ['update'], { env });
	await runTracked('apt-get-install', 'apt-get', ['install', '-y', '--no-install-recommends', ...APT_PACKAGES], { env });
	if (!redisServerBin() || !postgresBinDir()) throw new Error('apt-get finished but redis-server or initdb is still missing');
}

class RedisServer {
	constructor({ workDir }) {
		this.workDir = workDir;
		this.port = 0;
		this.proc = null;
	}

	async start() {
		this.port = await freePort();
		const bin = redisServerBin();
		if (!bin) throw new Error('redis-server is not installed');
		this.proc = spawnTracked('redis', bin, [
			'--port', String(this.port),
			'--bind', '127.0.0.1',
			'--save', '',
			'--appendonly', 'no',
			'--protected-mode', 'yes',
			'--dir', this.workDir,
		], { cwd: this.workDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, logFile: path.join(this.workDir, 'redis.log'), pidDir: path.join(this.workDir, 'pids') });
		const proc = this.proc;
		await waitFor(`redis on 127.0.0.1:${this.port}`, () => this.ping(proc), { timeoutMs: 20000, intervalMs: 100 });
		return this;
	}

	async ping(proc) {
		const exited = await Promise.race([proc.exited.then(() => true), Promise.resolve(false)]);
		if (exited) throw Object.assign(new Error('redis-server exited; see redis.log'), { fatal: true });
		const net = require('node:net');
		return new Promise((resolve) => {
			const socket = net.connect(this.port, '127.0.0.1');
			socket.setTimeout(1000);
			socket.once('connect', () => socket.write('PING\r\n'));
			socket.once('data', (data) => {
				socket.destroy();
				resolve(data.toString().startsWith('+PONG'));
			});
			socket.once('error', () => resolve(false));
			socket.once('timeout', () => {
				socket.destroy();
				resolve(false);
			});
		});
	}

	async stop() {
		const proc = this.proc;
		this.proc = null;
		if (proc) await stopGroup(proc.pid, proc.exited, 5000);
	}
}

/** Removes data folders of earlier runs whose server is gone (a run killed before it could clean up). */
function removeStaleDataFolders() {
	let removed = 0;
	for (const name of fs.readdirSync(os.tmpdir())) {
		if (!name.startsWith('klx-queue-pg-')) continue;
		const root = path.join(os.tmpdir(), name);
		const pidFile = path.join(root, 'data', 'postmaster.pid');
		const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
		if (pid && pidAlive(pid)) continue;
		fs.rmSync(root, { recursive: true, force: true });
		removed++;
	}
	return removed;
}


class PostgresServer {
	/**
	 * The data folder lives under the system temp folder, not the work tree: the server runs as the
	 * `postgres` user (initdb refuses root), which may not be allowed into the clone's folders.
	 */
	constructor({ workDir, database = 'n8n' }) {
		this.workDir = workDir;
		this.database = database;
		this.user = 'postgres';
		this.password = crypto.randomBytes(12).toString('hex');
		this.port = 0;
		this.dataRoot = '';
		this.proc = null;
	}

	/** Runs a binary as the `postgres` user when we are root, as ourselves otherwise. */
	command(bin, args) {
		const full = path.join(/** @type {string} */ (postgresBinDir()), bin);
		return isRoot() ? { cmd: 'runuser', args: ['-u', 'postgres', '--', full, ...args] } : { cmd: full, args };
	}

	async start() {
		if (!postgresBinDir()) throw new Error('PostgreSQL is not installed');
		removeStaleDataFolders();
		this.port = await freePort();
		this.dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'klx-queue-pg-'));
		const dataDir = path.join(this.dataRoot, 'data');
		const pwFile = path.join(this.dataRoot, 'pw');
		fs.writeFileSync(pwFile, this.password, { mode: 0o600 });
		if (isRoot()) spawnSync('chown', ['-R', 'postgres:postgres', this.dataRoot]);
		const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
		const initdb = this.command('initdb', [
			'-D', dataDir, '-U', this.user, `--pwfile=${pwFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync',
		]);
		await runTracked('initdb', initdb.cmd, initdb.args, { cwd: this.dataRoot, env, logFile: path.join(this.workDir, 'postgres.log') });
		fs.rmSync(pwFile, { force: true });
		// A throwaway database: durability off makes it fast; one socket folder of its own.
		const server = this.command('postgres', [
			'-D', dataDir,
			'-p', String(this.port),
			'-c', 'listen_addresses=127.0.0.1',
			'-c', `unix_socket_directories=${this.dataRoot}`,
			'-c', 'fsync=off',
			'-c', 'synchronous_commit=off',
			'-c', 'full_page_writes=off',
			'-c', 'max_connections=200',
		]);
		this.proc = spawnTracked('postgres', server.cmd, server.args, {
			cwd: this.dataRoot,
			env,
			logFile: path.join(this.workDir, 'postgres.log'),
			pidDir: path.join(this.workDir, 'pids'),
		});
		const proc = this.proc;
		await waitFor(
			`PostgreSQL on 127.0.0.1:${this.port}`,
			async () => {
				const exited = await Promise.race([proc.exited.then(() => true), Promise.resolve(false)]);
				if (exited) throw Object.assign(new Error('postgres exited; see postgres.log'), { fatal: true });
				return this.psql('postgres', 'select 1').then((out) => out.trim() === '1', () => false);
			},
			{ timeoutMs: 30000, intervalMs: 200 },
		);
		await this.psql('postgres', `create database ${this.database}`);
		return this;
	}

	/** Runs one SQL statement over TCP with the password; returns psql's unaligned output. */
	async psql(database, sql) {
		const { execFile } = require('node:child_process');
		const psql = path.join(/** @type {string} */ (postgresBinDir()), 'psql');
		return new Promise((resolve, reject) => {
			execFile(
				psql,
				['-h', '127.0.0.1', '-p', String(this.port), '-U', this.user, '-d', database, '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql],
				{ env: { PATH: process.env.PATH ?? '', PGPASSWORD: this.password, PGCONNECT_TIMEOUT: '5' }, timeout: 30000 },
				(error, stdout, stderr) => (error ? reject(new Error(`psql: ${stderr || error.message}`)) : resolve(stdout)),
			);
		});
	}

	/** What n8n needs to use this database. */
	n8nEnv() {
		return {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(this.port),
			DB_POSTGRESDB_DATABASE: this.database,
			DB_POSTGRESDB_USER: this.user,
			DB_POSTGRESDB_PASSWORD: this.password,
		};
	}

	async stop() {
		const proc = this.proc;
		this.proc = null;
		if (proc) {
			// SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
			try {
				process.kill(-proc.pid, 'SIGINT');
			} catch {
				// already gone
			}
			await stopGroup(proc.pid, proc.exited, 10000);
		}
		if (this.dataRoot) fs.rmSync(this.dataRoot, { recursive: true, force: true });
		this.dataRoot = '';
	}
}

module.exports = { ensureInstalled, RedisServer, PostgresServer, postgresBinDir, redisServerBin };
