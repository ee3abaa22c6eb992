'use strict';
// The n8n editor in a real browser: Debian's Chromium driven by playwright-core
// (which downloads no browser of its own). Used by the editor end-to-end suite
// (test/e2e/editor.e2e.test.ts) and by `npm run screenshots`.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PACKAGE_NAME } = require('../../../scripts/lib/environment');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Without the background-networking/component/sync switches Chromium keeps
 * trying to reach Google services and stalls on a closed network.
 */
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** The page size of every screenshot (README images included). */
const VIEWPORT = Object.freeze({ width: 1280, height: 800 });

/**
 * Installs Debian's Chromium when it is missing, so a fresh CI machine runs
 * the browser test without a manual step. Needs root (CI runs as root).
 */
/** @param {{log?: (message: string) => void}} [o] */
function ensureChromium({ log = () => {} } = {}) {
	if (fs.existsSync(CHROMIUM)) return CHROMIUM;
	if (typeof process.getuid === 'function' && process.getuid() !== 0) {
		throw new Error(`${CHROMIUM} is missing; install it with: sudo apt-get install -y chromium`);
	}
	log('Chromium is missing: apt-get install -y chromium (one time)');
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	for (const args of [['update'], ['install', '-y', 'chromium']]) {
		const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
		if (result.status !== 0) {
			throw new Error(`apt-get ${args.join(' ')} failed (${result.status}):\n${(result.stderr || result.stdout || '').slice(-2000)}`);
		}
	}
	if (!fs.existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is not there`);
	return CHROMIUM;
}

/** True when a console message, page error or failed request concerns our package. */
function isOurs(text) {
	return new RegExp(`${PACKAGE_NAME}|klientiks|trafficLight|traffic light`, 'i').test(text);
}

/**
 * A fresh browser profile with one page. Records console errors, page errors
 * and failed requests, and every icon of our package the editor fetched.
 */
async function openBrowser({ screenshotDir }) {
	const { chromium, selectors } = require('playwright-core');
	// n8n marks its elements with data-test-id.
	selectors.setTestIdAttribute('data-test-id');
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'klx-chromium-'));
	fs.mkdirSync(screenshotDir, { recursive: true });
	let context;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: ensureChromium(),
			headless: true,
			args: CHROMIUM_ARGS,
			viewport: VIEWPORT,
			locale: 'en-US',
			timezoneId: 'UTC',
		});
	} catch (error) {
		fs.rmSync(profile, { recursive: true, force: true });
		throw error;
	}
	const page = context.pages()[0] ?? (await context.newPage());
	page.setDefaultTimeout(30000);
	const problems = [];
	/** @type {Map<string, number>} icon URL → HTTP status */
	const icons = new Map();
	page.on('console', (message) => {
		if (message.type() === 'error') problems.push(`console: ${message.text()} @ ${message.location()?.url ?? ''}`);
	});
	page.on('pageerror', (error) => problems.push(`page error: ${error.message}\n${error.stack ?? ''}`));
	page.on('requestfailed', (request) => {
		// ERR_ABORTED: the page navigated away while the request was still loading.
		if (request.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
	});
	page.on('response', (response) => {
		const url = response.url();
		if (url.includes(`/${PACKAGE_NAME}/`) && /\.(svg|png)$/.test(url)) icons.set(url, response.status());
		if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${url}`);
	});
	return {
		context,
		page,
		icons,
		/** Problems that name our package, nodes or credential (n8n's own unrelated noise is left out). */
		ourProblems: () => problems.filter(isOurs),
		allProblems: () => [...problems],
		async screenshot(name) {
			const file = path.join(screenshotDir, `${name}.png`);
			await page.screenshot({ path: file });
			return file;
		},
		async close() {
			try {
				await context.close();
			} finally {
				fs.rmSync(profile, { recursive: true, force: true });
			}
		},
	};
}

/** Signs in through the sign-in form. */
async function signIn(page, baseUrl, owner) {
	await page.goto(`${baseUrl}/signin`);
	await page.locator('input[name="emailOrLdapLoginId"]').fill(owner.email);
	await page.locator('input[name="password"]').fill(owner.password);
	await page.getByTestId('form-submit-button').click();
	await page.waitForURL((url) => !url.pathname.includes('/signin'));
}

/**
 * Workflow menu → Import from File, then Save, as a user does. Returns the id
 * n8n gave the new workflow (from the editor URL). `onMenuOpen` runs while the
 * menu shows the import entry (for a screenshot).
 */
/**
 * @param {any} page
 * @param {string} baseUrl
 * @param {string} file
 * @param {{onMenuOpen?: () => Promise<void>}} [o]
 * @returns {Promise<string>}
 */
async function importFromFile(page, baseUrl, file, { onMenuOpen } = {}) {
	await page.goto(`${baseUrl}/workflow/new`);
	await page.getByTestId('workflow-menu').click();
	// 1.x: "Import from File..." in the menu; 2.x: "Import" → "From file".
	const importSubmenu = page.getByTestId('workflow-menu-item-import');
	if (await importSubmenu.isVisible()) await importSubmenu.hover();
	const fromFile = page.getByTestId('workflow-menu-item-import-from-file');
	await fromFile.waitFor();
	await onMenuOpen?.();
	const [chooser] = await Promise.all([
		page.waitForEvent('filechooser'),
		fromFile.click(),
	]);
	// The first save creates the workflow (POST /rest/workflows); its answer carries the id.
	// Waiting for it also keeps the next navigation from cutting the save short.
	const created = page.waitForResponse(
		(response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/rest/workflows',
	);
	await chooser.setFiles(file);
	await page.getByTestId('canvas-node').first().waitFor();
	await saveWorkflow(page);
	const response = await created;
	if (response.status() !== 200) throw new Error(`saving the imported workflow answered HTTP ${response.status()}`);
	const id = (await response.json())?.data?.id;
	if (!id) throw new Error('saving the imported workflow returned no id');
	await page.waitForURL((url) => url.pathname.endsWith(`/workflow/${id}`));
	return String(id);
}

/** Saves the open workflow (n8n 2.x may already have saved it on its own). */
async function saveWorkflow(page) {
	const save = page.getByTestId('workflow-save-button');
	if (await save.isVisible()) {
		const text = (await save.innerText()).trim();
		if (!/^saved$/i.test(text)) await save.click();
	} else {
		await page.keyboard.press('Control+s');
	}
}

function canvasNode(page, name) {
	return page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
}

/** Opens a node's panel (double-click on the canvas); returns the panel. */
async function openNode(page, name) {
	await canvasNode(page, name).dblclick();
	const ndv = page.getByTestId('ndv');
	await ndv.waitFor();
	await ndv.getByTestId('node-parameters').waitFor();
	return ndv;
}

async function closeNode(page) {
	// 1.x has "Back to canvas"; 2.x closes on Escape.
	const back = page.getByTestId('back-to-canvas');
	if (await back.isVisible()) await back.click();
	else await page.keyboard.press('Escape');
	await page.getByTestId('ndv').waitFor({ state: 'hidden' });
}

/** Unfolds "Webhook URLs" in an open panel and picks the Production URL; returns the URL shown. */
async function showProductionUrl(ndv) {
	await ndv.getByText('Webhook URLs', { exact: true }).click();
	await ndv.getByText('Production URL', { exact: true }).click();
	const url = ndv.locator('text=/https?:\\/\\/\\S+\\/webhook\\/\\S+/').first();
	await url.waitFor();
	return (await url.innerText()).trim();
}

/** Waits until every <img> of our package on the page has loaded (naturalWidth > 0); returns their URLs. */
async function loadedIcons(page) {
	const selector = `img[src*="/${PACKAGE_NAME}/"]`;
	await page.locator(selector).first().waitFor();
	await page.waitForFunction(
		(sel) => [...document.querySelectorAll(sel)].every((img) => img.complete && img.naturalWidth > 0),
		selector,
	);
	return page.$$eval(selector, (imgs) => imgs.map((img) => img.getAttribute('src') ?? ''));
}

module.exports = {
	CHROMIUM,
	CHROMIUM_ARGS,
	VIEWPORT,
	ensureChromium,
	openBrowser,
	signIn,
	importFromFile,
	saveWorkflow,
	openNode,
	closeNode,
	showProductionUrl,
	loadedIcons,
	canvasNode,
};
