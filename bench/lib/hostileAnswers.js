'use strict';
// Hostile Traffic Light answers for bench/hostile.js: the Traffic Light node's
// execute() on the compiled package, through n8n-core's real request helper,
// against the one Traffic Light mock serving the hostile answer. Only public
// entry points, so the bench outlives any rewrite of how an answer is read.
const path = require('node:path');
const { watchEventLoop } = require('./eventLoopWatch');
const { executeContext } = require('./retryAfterStorm');
const { TrafficLightMock } = require('../../scripts/lib/trafficLightMock');

const MB = 1024 * 1024;
/** Just under each size, so an answer sits within its operation's cap (1 MB send or balance, 16 MB date range). */
const UNDER = 64;
/** No turn of our code over this while an answer within its cap is read (issue 28). */
const ANSWER_BOUND_MS = 50;

/** Which operation reads the answer: the mock route it is served on and the node parameters that call it. */
const OPERATIONS = {
	feed: {
		route: 'feed',
		name: 'Get Status by date range (one day)',
		parameters: { resource: 'lead', operation: 'getStatus', lookupBy: 'dateRange', dateFrom: '2026-11-01', dateTo: '2026-11-01' },
	},
	send: { route: 'send', name: 'Send', parameters: { resource: 'lead', operation: 'send' } },
	balance: { route: 'balance', name: 'Get Balance', parameters: { resource: 'account', operation: 'getBalance' } },
};

/** `open` + `unit` repeated (commas between) + `close`, about `bytes` long; `join` '' for one piece without commas. */
function build(open, unit, close, bytes, join = ',') {
	const count = Math.floor((bytes - UNDER - open.length - close.length) / (unit.length + join.length));
	return `${open}${Array(count).fill(unit).join(join)}${close}`;
}

/** `{"k0":0,"k1":0,…}` members with short base-36 names, about `bytes` long, as a run of members (no braces). */
function members(bytes) {
	const parts = [];
	let length = 0;
	for (let i = 0; length < bytes - UNDER; i++) {
		const part = `"${i.toString(36)}":0`;
		parts.push(part);
		length += part.length + 1;
	}
	return { text: parts.join(','), count: parts.length };
}

/** Brackets balanced, `levels` deep, with a bare word at the bottom: invalid JSON only below the top levels. */
function deepInvalid(open, levels) {
	return `${open}${'['.repeat(levels)}not json${']'.repeat(levels)}}`;
}

/**
 * Each shape: the operation that reads it, its text (built once, lazily) and, where the outcome matters, what
 * it must not be. The first three are the rows kept from earlier reports.
 */
const ANSWER_SHAPES = [
	{ key: 'tinyRows1', op: 'feed', label: 'date-range feed of tiny rows (`{"leads":[{},{},…]}`), 1 MB', text: () => build('{"count":1,"leads":[', '{}', ']}', MB) },
	{ key: 'tinyRows16', op: 'feed', label: 'date-range feed of tiny rows (`{"leads":[{},{},…]}`), 16 MB', text: () => build('{"count":1,"leads":[', '{}', ']}', 16 * MB) },
	{ key: 'smallObjects', op: 'send', label: 'send answer of small objects (`{"id":5,"x":[{"a":1},…]}`), 1 MB', text: () => build('{"id":5,"x":[', '{"a":1}', ']}', MB) },
	{
		key: 'leadsObject16',
		op: 'feed',
		label: 'date-range feed whose `leads` is an object of 1.85 million keys (`{"leads":{"0":0,"1":0,…}}`), 16 MB',
		text: () => `{"count":1,"leads":{${members(16 * MB - 32).text}}}`,
	},
	{ key: 'scalars16', op: 'feed', label: 'date-range feed of scalars (`{"leads":[0,0,…]}`), 16 MB', text: () => build('{"count":1,"leads":[', '0', ']}', 16 * MB) },
	{ key: 'oneString16', op: 'feed', label: 'date-range feed that is one string, no commas (`"aaa…"`), 16 MB', text: () => build('"', 'a', '"', 16 * MB, '') },
	{ key: 'oneNumber16', op: 'feed', label: 'date-range feed that is one number, no commas (`111…`), 16 MB', text: () => build('', '1', '', 16 * MB, '') },
	{
		key: 'deepInvalidSend',
		op: 'send',
		label: 'send answer of invalid JSON 25 levels down (`{"id":5,"x":[[[…not json…]]]}`)',
		text: () => deepInvalid('{"id":5,"x":', 25),
		mustNot: 'delivered',
	},
	{ key: 'objectSend1', op: 'send', label: 'send answer with an object of ~100,000 keys (`{"id":5,"x":{"0":0,…}}`), 1 MB', text: () => `{"id":5,"x":{${members(MB - 32).text}}}` },
	{ key: 'scalarsSend1', op: 'send', label: 'send answer of scalars (`{"id":5,"x":[0,0,…]}`), 1 MB', text: () => build('{"id":5,"x":[', '0', ']}', MB) },
	{ key: 'oneStringSend1', op: 'send', label: 'send answer that is one string (`"aaa…"`), 1 MB', text: () => build('"', 'a', '"', MB, ''), mustNot: 'delivered' },
	{ key: 'oneNumberSend1', op: 'send', label: 'send answer that is one number (`111…`), 1 MB', text: () => build('', '1', '', MB, ''), mustNot: 'delivered' },
	{ key: 'objectBalance1', op: 'balance', label: 'balance answer with an object of ~100,000 keys (`{"balance":1,"x":{"0":0,…}}`), 1 MB', text: () => `{"balance":1,"x":{${members(MB - 32).text}}}` },
	{ key: 'scalarsBalance1', op: 'balance', label: 'balance answer of scalars (`{"balance":1,"x":[0,0,…]}`), 1 MB', text: () => build('{"balance":1,"x":[', '0', ']}', MB) },
	{ key: 'oneStringBalance1', op: 'balance', label: 'balance answer that is one string (`"aaa…"`), 1 MB', text: () => build('"', 'a', '"', MB, '') },
	{ key: 'deepInvalidBalance', op: 'balance', label: 'balance answer of invalid JSON 25 levels down (`{"balance":1,"x":[[[…not json…]]]}`)', text: () => deepInvalid('{"balance":1,"x":', 25), mustNot: 'read' },
];

/** What the output says: the first item's outcome or error, a send's delivery, or how many items were read. */
function describe(out, op) {
	const item = out?.[0]?.json ?? {};
	if (item.error) return `${item.outcome ? `${item.outcome}: ` : 'error: '}${String(item.error).slice(0, 70)}`;
	if (item.outcome) return String(item.outcome);
	if (op === 'send' && item.trafficLightId !== undefined) return `delivered (trafficLightId ${String(item.trafficLightId).slice(0, 20)})`;
	return `read (${out.length} item${out.length === 1 ? '' : 's'})`;
}

/** One execute() of `op` against `mock`, one item, Continue On Fail. */
async function runOnce(TrafficLight, root, mock, op) {
	const context = executeContext(root, mock.baseUrl, { parameters: OPERATIONS[op].parameters, items: [{ json: { leadId: 'hostile-1' } }] });
	try {
		const [out] = await new TrafficLight().execute.call(context);
		return describe(out, op);
	} catch (error) {
		return `threw: ${String(error.message).slice(0, 70)}`;
	}
}

async function measureAnswers(root) {
	const { TrafficLight } = require(path.join(root, 'dist/nodes/TrafficLight/TrafficLight.node.js'));
	const rows = [];
	const mock = await new TrafficLightMock().start();
	try {
		// A first run of each operation loads and compiles its path, so that it is not counted as a shape's turn.
		for (const op of Object.keys(OPERATIONS)) {
			mock.setMode({ kind: 'fixedAnswer', route: OPERATIONS[op].route, body: op === 'feed' ? '{"count":0,"leads":[]}' : op === 'send' ? '{"id":5}' : '{"balance":1}' });
			await runOnce(TrafficLight, root, mock, op);
		}
		for (const shape of ANSWER_SHAPES) {
			let text = shape.text();
			const bytes = Buffer.byteLength(text);
			mock.setMode({ kind: 'fixedAnswer', route: OPERATIONS[shape.op].route, body: text });
			text = undefined; // the mock holds it; the heap added is the node's
			const watch = watchEventLoop();
			const outcome = await runOnce(TrafficLight, root, mock, shape.op);
			const { longestTurnMs, ms, heapAddedMb } = watch.stop();
			const outcomeOk = !shape.mustNot || !outcome.startsWith(shape.mustNot);
			rows.push({
				key: shape.key,
				label: `${OPERATIONS[shape.op].name}: ${shape.label}`,
				bytes,
				longestTurnMs,
				ms,
				heapAddedMb,
				outcome,
				boundMs: ANSWER_BOUND_MS,
				bound: `≤ ${ANSWER_BOUND_MS} ms${shape.mustNot ? `, not "${shape.mustNot}"` : ''}`,
				pass: longestTurnMs <= ANSWER_BOUND_MS && outcomeOk,
			});
		}
	} finally {
		mock.setMode({ kind: 'normal' });
		await mock.stop();
	}
	return rows;
}

function answersTable(rows, format) {
	return [
		'| answer | longest event-loop turn ms | time ms | heap added MB (peak) | outcome |',
		'| --- | ---: | ---: | ---: | --- |',
		...rows.map((r) => `| ${r.label} | ${format(r.longestTurnMs)} | ${format(r.ms)} | ${format(r.heapAddedMb)} | ${r.outcome} |`),
	];
}

module.exports = { measureAnswers, answersTable, ANSWER_BOUND_MS };
