'use strict';
// Runs once before the e2e suites: builds and packs the package, installs the
// n8n versions under test into the cache (minutes on the first run, instant
// afterwards) and kills processes left over by an earlier crashed run.
// Results go to test/e2e/.work/setup.json for the suites to read.
const fs = require('node:fs');
const path = require('node:path');
const { ensureRuntime, E2E_VERSIONS } = require('../../scripts/n8n-runtime');
const { buildAndPack } = require('../../scripts/lib/pack');
const { killLeftovers } = require('../../scripts/lib/processes');

const WORK = path.join(__dirname, '.work');

function selectedVersions() {
	const list = (process.env.E2E_N8N_VERSIONS || E2E_VERSIONS.join(','))
		.split(',')
		.map((v) => v.trim())
		.filter(Boolean);
	return list;
}

module.exports = async function globalSetup() {
	const log = (m) => process.stdout.write(`[e2e setup] ${m}\n`);
	const t0 = Date.now();
	const killed = killLeftovers(WORK);
	if (killed) log(`killed ${killed} process group(s) left by an earlier run`);
	fs.rmSync(WORK, { recursive: true, force: true });
	fs.mkdirSync(WORK, { recursive: true });
	const tarball = await buildAndPack(path.join(WORK, 'package'), { log });
	log(`packed ${path.basename(tarball)} (${Math.round((Date.now() - t0) / 1000)} s)`);
	// Both installs at once: they are mostly download and disk time, so on a
	// fresh machine this takes ~4 min instead of ~8.
	const runtimes = {};
	await Promise.all(
		selectedVersions().map(async (version) => {
			const t = Date.now();
			runtimes[version] = await ensureRuntime(version);
			log(`n8n ${version} ready (${Math.round((Date.now() - t) / 1000)} s)`);
		}),
	);
	fs.writeFileSync(path.join(WORK, 'setup.json'), JSON.stringify({ tarball, runtimes }, null, 2));
};
