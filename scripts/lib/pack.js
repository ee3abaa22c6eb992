'use strict';
// Builds the package and packs it exactly as `npm publish` would, so the
// end-to-end run installs what users install (the `files` list, the `n8n`
// section of package.json), not the working tree.
const fs = require('node:fs');
const path = require('node:path');
const { runTracked } = require('./processes');

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * @param {string} outDir  where the .tgz goes
 * @param {{build?: boolean, log?: (s: string) => void}} [o]
 * @returns {Promise<string>} absolute path of the tarball
 */
async function buildAndPack(outDir, { build = true, log = () => {} } = {}) {
	const { npmCli } = require('../n8n-runtime');
	const npm = npmCli();
	const env = { ...process.env };
	delete env.NODE_ENV;
	if (build) {
		log('building the package (npm run build)');
		await runTracked('npm-build', process.execPath, [npm, 'run', 'build'], { cwd: REPO_ROOT, env });
	}
	fs.mkdirSync(outDir, { recursive: true });
	log('packing it (npm pack)');
	await runTracked('npm-pack', process.execPath, [npm, 'pack', '--ignore-scripts', `--pack-destination=${outDir}`], {
		cwd: REPO_ROOT,
		env,
	});
	const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
	const tarball = path.join(outDir, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
	if (!fs.existsSync(tarball)) throw new Error(`npm pack reported ${tarball} but it is not there`);
	return tarball;
}

module.exports = { buildAndPack, REPO_ROOT };
