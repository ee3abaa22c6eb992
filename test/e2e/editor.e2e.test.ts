// The n8n editor in a real browser (Debian's Chromium, driven by
// playwright-core), once per n8n version: what users see of our nodes.
// A user signs in, imports the example workflows with Import from file,
// opens each of our nodes, tests the Traffic Light and Klientiks API credentials, runs every
// Klientiks operation and the Catch-up Trigger's Fetch Test Event; the suite
// checks icons (light and dark theme), event presets, paste-ready lines and
// the production webhook URL, the notices, the credential Test and that the
// browser console shows no error from our package. It also proves that an
// example imported twice gets two working production URLs.
//
// Screenshots go to test/e2e/.work/screenshots/<version>/. With
// README_SCREENSHOTS=<folder> (`npm run screenshots`) the README's images are
// written there too.
import fs from 'node:fs';
import path from 'node:path';

import { buildPasteLine } from '../../nodes/webhookIntake/senderTrigger';
import { EVENT_PRESETS, templatePairs } from '../../nodes/KlientiksTrigger/presets';
import { DOCUMENTED_MACROS, STATUS_MARKER_PARAMETER } from '../../nodes/TrafficLightTrigger/statuses';
import { REPO_ROOT } from '../../scripts/lib/pack';
import { startEnvironment, PACKAGE_NAME, EXAMPLES_DIR, CREDENTIALS } from '../../scripts/lib/environment';
import { exampleWorkflows, EXAMPLE_IDS, EXAMPLE_FILES, IDS } from '../../scripts/lib/workflows';
import { eventParams } from '../../scripts/lib/klientiksCalls';
import { OWNER } from '../../scripts/lib/n8n';
import { waitFor } from '../../scripts/lib/net';
import {
	ensureChromium,
	openBrowser,
	signIn,
	importFromFile,
	openNode,
	closeNode,
	showProductionUrl,
	loadedIcons,
} from './lib/editor';

type Json = any;

const WORK = path.join(__dirname, '.work');
const API_KEY = 'tl-editor-e2e-APIKEY-2c7f0d91';
const KLIENTIKS = Object.freeze({ account: 'edAcct5520', user: 'edUser0193', token: 'editor-e2e-KLX-TOKEN-71c2e9' });
const VERSIONS = ['1.123.81', '2.40.7'];
const STATUS_ALERT_FILE = 'traffic-light-status-alert.json';
const README_SCREENSHOTS = process.env.README_SCREENSHOTS ? path.resolve(REPO_ROOT, process.env.README_SCREENSHOTS) : '';

/** The editor shows notices as rendered HTML: none of our escapes or tags may show as text. */
const RAW_MARKUP = /&amp;|&lt;|&gt;|<\/?(ul|li|br|b)>/;

function readSetup(): { tarball: string; runtimes: Record<string, Json> } {
	return JSON.parse(fs.readFileSync(path.join(WORK, 'setup.json'), 'utf8'));
}

function readExampleFile(file: string): Json {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
}

function nodeByType(workflow: Json, typeName: string): Json {
	const node = workflow.nodes.find((n: Json) => n.type === `${PACKAGE_NAME}.${typeName}`);
	if (!node) throw new Error(`${workflow.name} has no ${typeName} node`);
	return node;
}

/** Panel text with the line breaks the browser inserts at wraps removed. */
async function panelText(ndv: Json): Promise<string> {
	return (await ndv.innerText()).replace(/\s*\n\s*/g, '\n');
}

/**
 * n8n 2.x asks the server for an output schema of every node type it shows
 * (`/schemas/<type>/<version>.json`, for the schema preview); a package
 * without such files gets 404 and the editor carries on without a preview.
 * That is n8n probing, not our package failing.
 */
function isSchemaPreviewProbe(problem: string): boolean {
	return new RegExp(`/schemas/${PACKAGE_NAME}\\.\\w+/[\\d.]+\\.json`).test(problem);
}

function defineEditorSuite(version: string): void {
	const selected = (process.env.E2E_N8N_VERSIONS || VERSIONS.join(',')).split(',').map((v) => v.trim());
	const describeIf = selected.includes(version) ? describe : describe.skip;

	describeIf(`n8n ${version} editor in Chromium`, () => {
		let env: Json;
		let n8n: Json;
		let browser: Json;
		let page: Json;
		const screenshotDir = path.join(WORK, 'screenshots', version);
		/** Workflow ids the editor gave the imports. */
		const imported: { main: string; mainAgain: string; statusAlert: string } = { main: '', mainAgain: '', statusAlert: '' };

		async function shot(name: string, { readme = false } = {}): Promise<void> {
			const file = await browser.screenshot(name);
			if (readme && README_SCREENSHOTS) {
				fs.mkdirSync(README_SCREENSHOTS, { recursive: true });
				fs.copyFileSync(file, path.join(README_SCREENSHOTS, `${name}.png`));
			}
		}

		/** The workflow as n8n stored it (the webhookId the editor gave on import included). */
		async function stored(workflowId: string): Promise<Json> {
			return n8n.publicApi(`/workflows/${workflowId}`);
		}

		async function openWorkflow(workflowId: string): Promise<void> {
			await page.goto(`${n8n.baseUrl}/workflow/${workflowId}`);
			await page.getByTestId('canvas-node').first().waitFor();
		}

		beforeAll(async () => {
			const log = (m: string) => process.stdout.write(`[editor ${version}] ${m}\n`);
			ensureChromium({ log });
			const setup = readSetup();
			const runtime = setup.runtimes[version];
			if (!runtime) throw new Error(`n8n ${version} was not installed by globalSetup (E2E_N8N_VERSIONS?)`);
			fs.rmSync(screenshotDir, { recursive: true, force: true });
			env = await startEnvironment({
				runtime,
				workDir: path.join(WORK, `editor-${version}`),
				tarball: setup.tarball,
				apiKey: API_KEY,
				klientiks: KLIENTIKS,
				logLevel: 'info',
				log,
				// The error workflow must exist: the main example's settings name it.
				workflows: () => exampleWorkflows(),
				activate: EXAMPLE_IDS.activate(version),
			});
			n8n = env.n8n;
			browser = await openBrowser({ screenshotDir });
			page = browser.page;
		}, 600000);

		afterAll(async () => {
			try {
				await browser?.close();
			} finally {
				await env?.stop();
			}
		}, 60000);

		test('a user signs in and imports the example workflows with Import from file', async () => {
			await signIn(page, n8n.baseUrl, OWNER);
			const mainFile = path.join(EXAMPLES_DIR, EXAMPLE_FILES.main);
			imported.main = await importFromFile(page, n8n.baseUrl, mainFile, {
				onMenuOpen: () => shot('import-from-file', { readme: true }),
			});
			imported.statusAlert = await importFromFile(page, n8n.baseUrl, path.join(EXAMPLES_DIR, STATUS_ALERT_FILE));
			imported.mainAgain = await importFromFile(page, n8n.baseUrl, mainFile);

			const ids = Object.values(imported);
			expect(new Set(ids).size).toBe(3);
			for (const id of ids) {
				const workflow = await stored(id);
				expect(workflow.nodes.length).toBeGreaterThan(0);
			}
			expect((await stored(imported.main)).name).toBe(readExampleFile(EXAMPLE_FILES.main).name);
		});

		test('the example imported twice gets two webhook paths, and both production URLs start an execution', async () => {
			const first = nodeByType(await stored(imported.main), 'klientiksTrigger');
			const second = nodeByType(await stored(imported.mainAgain), 'klientiksTrigger');
			expect(first.webhookId).toMatch(/^[0-9a-f-]{36}$/);
			expect(second.webhookId).toMatch(/^[0-9a-f-]{36}$/);
			expect(second.webhookId).not.toBe(first.webhookId);

			const query = new URLSearchParams(eventParams('client_added', 1)).toString();
			for (const [workflowId, trigger] of [
				[imported.main, first],
				[imported.mainAgain, second],
			]) {
				await n8n.publishViaApi(workflowId);
				// n8n 2.x registers the webhooks of a published workflow a moment later (its
				// publication outbox): until then the URL answers 404 and starts nothing.
				const url = `${n8n.webhookUrl(`${trigger.webhookId}/webhook`)}?${query}`;
				const res: Response = await waitFor(`${url} to be registered`, async () => {
					const answer = await fetch(url);
					return answer.status === 404 ? null : answer;
				});
				expect(res.status).toBe(200);
				expect(await res.json()).toMatchObject({ received: true });
				const executions = await n8n.waitForExecutions(workflowId, 1);
				expect(executions).toHaveLength(1);
			}
			await page.goto(`${n8n.baseUrl}/workflow/${imported.main}/executions`);
			await page.getByText(/Succeeded|Success|Error/).first().waitFor();
			// For the picture only: the list slides in and the preview of the newest execution loads after it.
			await page.waitForLoadState('networkidle');
			await page.waitForTimeout(1500);
			await shot('executions', { readme: true });
		});

		test('our icons load on the canvas in the light theme', async () => {
			await page.emulateMedia({ colorScheme: 'light' });
			await openWorkflow(imported.main);
			const icons = await loadedIcons(page);
			expect(icons.some((src: string) => /KlientiksTrigger\/klientiksTrigger\.svg$/.test(src))).toBe(true);
			expect(icons.some((src: string) => /TrafficLight\/trafficLight\.svg$/.test(src))).toBe(true);
			await shot('example-workflow', { readme: true });
		});

		test('Klientiks Trigger panel: event presets, paste-ready lines, the real production URL, notices', async () => {
			const workflow = await stored(imported.main);
			const trigger = nodeByType(workflow, 'klientiksTrigger');
			await openWorkflow(imported.main);
			const ndv = await openNode(page, trigger.name);
			const shown = await showProductionUrl(ndv);
			expect(shown).toBe(n8n.webhookUrl(`${trigger.webhookId}/webhook`));
			const text = await panelText(ndv);
			expect(text).not.toMatch(RAW_MARKUP);
			expect(text).toMatch(/Production URL: works only while the workflow is published \(active on n8n 1\.x\)/);
			expect(text).toContain('No Secret Token set');
			for (const value of trigger.parameters.events as string[]) {
				const preset = EVENT_PRESETS.find((p) => p.value === value);
				if (!preset) throw new Error(`the example selects ${value}, which is no preset`);
				expect(text).toContain(preset.name);
				// The example has no token yet, so the line carries none.
				expect(text).toContain(buildPasteLine([['event', preset.value], ...templatePairs(preset)]));
			}
			await shot('klientiks-trigger', { readme: true });
			await closeNode(page);
		});

		test('Traffic Light node panel: the credential and the mapping of the example', async () => {
			await openWorkflow(imported.main);
			const send = nodeByType(await stored(imported.main), 'trafficLight');
			const ndv = await openNode(page, send.name);
			// Expression fields render a moment after the parameter list (2.x loads their editor lazily).
			const text = await waitFor('the Lead ID expression in the panel', async () => {
				const shown = await panelText(ndv);
				return shown.includes('{{ $json.leadId }}') && shown;
			}, { timeoutMs: 10000 }).catch(async () => await panelText(ndv));
			expect(text).not.toMatch(RAW_MARKUP);
			// The chosen credential is the value of the credential select, not text.
			const values = await ndv.locator('input').evaluateAll((inputs: Json[]) => inputs.map((input) => input.value));
			expect(values).toContain(CREDENTIALS.trafficLight.name);
			expect(text).toContain('{{ $json.leadId }}');
			expect(text).toContain('Retry On Fail');
			await shot('traffic-light-node', { readme: true });
			await closeNode(page);
		});

		test('Traffic Light Trigger panel: the postback lines and the real production URL', async () => {
			const trigger = nodeByType(await stored(imported.statusAlert), 'trafficLightTrigger');
			await openWorkflow(imported.statusAlert);
			const ndv = await openNode(page, trigger.name);
			expect(await showProductionUrl(ndv)).toBe(n8n.webhookUrl(`${trigger.webhookId}/webhook`));
			const text = await panelText(ndv);
			expect(text).not.toMatch(RAW_MARKUP);
			expect(text).toMatch(/must be published \(active on n8n 1\.x\)/);
			for (const status of trigger.parameters.statuses as string[]) {
				expect(text).toContain(buildPasteLine([[STATUS_MARKER_PARAMETER, status], ...DOCUMENTED_MACROS]));
			}
			await shot('traffic-light-trigger', { readme: true });
			await closeNode(page);
		});

		test('the Traffic Light credential Test succeeds against the mock and fails with our message for a wrong key', async () => {
			const testAnswer = () =>
				page.waitForResponse((r: Json) => r.url().endsWith('/rest/credentials/test') && r.request().method() === 'POST');
			await page.goto(`${n8n.baseUrl}/home/credentials`);
			const opened = testAnswer();
			await page.getByText(CREDENTIALS.trafficLight.name, { exact: true }).first().click();
			const dialog = page.getByTestId('credential-edit-dialog');
			expect((await (await opened).json()).data).toMatchObject({ status: 'OK' });
			await dialog.getByText('Connection tested successfully').waitFor();
			// For the picture only: the editor may run the test once more; its button spins until then.
			await page.waitForLoadState('networkidle');
			await shot('credential-test', { readme: true });

			await dialog.getByTestId('parameter-input-apiKey').locator('input').fill('not-the-right-key');
			const retested = testAnswer();
			await page.getByTestId('credential-save-button').click();
			const answer = (await (await retested).json()).data;
			expect(answer.status).toBe('Error');
			expect(answer.message).toMatch(/did not accept this API key/);
			await dialog.getByText(/Couldn.t connect with these settings/).waitFor();
			// The banner's "More details" unfolds the message the user reads.
			await dialog.getByText('More details').click();
			await dialog.getByText(/did not accept this API key/).waitFor();
			await shot('credential-wrong-key', { readme: true });
			await page.keyboard.press('Escape');
		});

		test('the Klientiks API credential Test succeeds against the mock, fails for a wrong token without showing it, and passes again', async () => {
			const testAnswer = () =>
				page.waitForResponse((r: Json) => r.url().endsWith('/rest/credentials/test') && r.request().method() === 'POST');
			await page.goto(`${n8n.baseUrl}/home/credentials`);
			const opened = testAnswer();
			await page.getByText(CREDENTIALS.klientiks.name, { exact: true }).first().click();
			const dialog = page.getByTestId('credential-edit-dialog');
			expect((await (await opened).json()).data).toMatchObject({ status: 'OK' });
			await dialog.getByText('Connection tested successfully').waitFor();
			await page.waitForLoadState('networkidle');
			await shot('klientiks-credential-test');

			const token = dialog.getByTestId('parameter-input-accessToken').locator('input');
			const saveAndTest = async (value: string) => {
				await token.fill(value);
				const retested = testAnswer();
				await page.getByTestId('credential-save-button').click();
				return (await (await retested).json()).data as { status: string; message: string };
			};
			const wrongToken = 'editor-e2e-KLX-WRONG-0d4b';
			const answer = await saveAndTest(wrongToken);
			expect(answer.status).toBe('Error');
			expect(answer.message).not.toContain(wrongToken);
			expect(answer.message).not.toContain(KLIENTIKS.token);
			await dialog.getByText(/Couldn.t connect with these settings/).waitFor();
			await dialog.getByText('More details').click();
			await dialog.getByText(answer.message.slice(0, 40)).first().waitFor();
			expect(await dialog.innerText()).not.toContain(wrongToken);
			await shot('klientiks-credential-wrong-token');
			// The live catch-up example polls with this credential: leave it right.
			expect(await saveAndTest(KLIENTIKS.token)).toMatchObject({ status: 'OK' });
			await page.keyboard.press('Escape');
		});

		test('every Klientiks operation runs from the editor, its output as the unit tests type it and no token in it', async () => {
			// Events happen in Klientiks (the mock's API only; no webhook call).
			const client = (await env.klientiks.addClient()).row;
			const appointment = (await env.klientiks.addAppointment({ client_id: client.id })).row;
			await env.klientiks.payVisit({ appointment_id: appointment.id });
			const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
			const phone = String(client.phone);
			const operations: Array<[string, Json]> = [
				['Get client', { resource: 'client', operation: 'get', clientId: String(client.id) }],
				// A phone as a user types it: the node normalises it.
				['Find client by phone', { resource: 'client', operation: 'findByPhone', phone: `+7 (${phone.slice(1, 4)}) ${phone.slice(4, 7)}-${phone.slice(7, 9)}-${phone.slice(9)}` }],
				['Get many clients', { resource: 'client', operation: 'getMany', returnAll: true, changedSince: since }],
				['Get appointment', { resource: 'appointment', operation: 'get', appointmentId: String(appointment.id) }],
				['Get many visits', { resource: 'visit', operation: 'getMany', returnAll: true, changedSince: since }],
			];
			const credentials = { klientiksApi: { id: CREDENTIALS.klientiks.id, name: CREDENTIALS.klientiks.name } };
			const workflow = {
				name: 'Klientiks operations (e2e)',
				nodes: [
					{ id: 'e2e-operations-0', name: 'Run', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 300], parameters: {} },
					...operations.map(([name, parameters], i) => ({
						id: `e2e-operations-${i + 1}`,
						name,
						type: `${PACKAGE_NAME}.klientiks`,
						typeVersion: 1,
						position: [320, i * 160],
						parameters,
						credentials,
					})),
				],
				connections: { Run: { main: [operations.map(([name]) => ({ node: name, type: 'main', index: 0 }))] } },
				settings: { executionOrder: 'v1' },
			};
			const file = path.join(WORK, `klientiks-operations-${version}.json`);
			fs.writeFileSync(file, JSON.stringify(workflow, null, 2));
			const workflowId = await importFromFile(page, n8n.baseUrl, file);
			await page.getByTestId('execute-workflow-button').first().click();
			const [finished] = await n8n.waitForExecutions(workflowId, 1);
			const execution = await n8n.execution(finished.id);
			expect(execution.data.resultData.error).toBeUndefined();
			const output = (name: string): Json[] => execution.data.resultData.runData[name][0].data.main[0].map((item: Json) => item.json);
			expect(output('Get client')).toEqual([expect.objectContaining({ id: client.id, phone: client.phone })]);
			expect(output('Find client by phone')).toEqual([expect.objectContaining({ id: client.id })]);
			expect(output('Get many clients').map((row) => row.id)).toContain(client.id);
			expect(output('Get appointment')).toEqual([expect.objectContaining({ id: appointment.id, client_id: client.id })]);
			expect(output('Get many visits')).toContainEqual(expect.objectContaining({ appointment_id: appointment.id, paid: true }));
			expect(JSON.stringify(execution)).not.toContain(KLIENTIKS.token);
			await page.waitForLoadState('networkidle');
			await shot('klientiks-operations');
		});

		test('the Klientiks Catch-up Trigger fetches a test event in the editor, in the webhook trigger\'s item shape', async () => {
			await openWorkflow(IDS.catchUp);
			const trigger = nodeByType(await stored(IDS.catchUp), 'klientiksCatchUpTrigger');
			const ndv = await openNode(page, trigger.name);
			await ndv.getByTestId('node-execute-button').first().click();
			// The latest event of the selected ones, with the Klientiks Trigger's Lead ID.
			await ndv.getByText(/klx-(client|appointment|visit)-\d+/).first().waitFor();
			expect(await panelText(ndv)).not.toContain(KLIENTIKS.token);
			await shot('klientiks-catch-up-test-event');
			await closeNode(page);
		});

		test('our icons load in the dark theme', async () => {
			await page.emulateMedia({ colorScheme: 'dark' });
			await openWorkflow(imported.main);
			let icons = await loadedIcons(page);
			expect(icons.some((src: string) => /KlientiksTrigger\/klientiksTrigger\.dark\.svg$/.test(src))).toBe(true);
			expect(icons.some((src: string) => /TrafficLight\/trafficLight\.dark\.svg$/.test(src))).toBe(true);
			await shot('example-workflow-dark');
			await openWorkflow(imported.statusAlert);
			icons = await loadedIcons(page);
			expect(icons.some((src: string) => /TrafficLightTrigger\/trafficLightTrigger\.dark\.svg$/.test(src))).toBe(true);
			await page.emulateMedia({ colorScheme: 'light' });
		});

		test('every icon request of our package answered 200 and the console shows no error from our package', async () => {
			const statuses = [...browser.icons.entries()];
			expect(statuses.length).toBeGreaterThanOrEqual(6);
			for (const [url, status] of statuses) expect([url, status]).toEqual([url, 200]);
			expect(browser.ourProblems().filter((p: string) => !isSchemaPreviewProbe(p))).toEqual([]);
		});
	});
}

for (const version of VERSIONS) defineEditorSuite(version);
