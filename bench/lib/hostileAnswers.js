'use strict';
// Hostile Traffic Light answers for bench/hostile.js: the Traffic Light node's
// execute() on the compiled package, through n8n-core's real request helper,
// against the Traffic Light mock serving the hostile answer. The mock runs in a
// child process of its own (bench/lib/trafficLightMockProcess.js), which builds
// each answer text from its key and size, so that neither building nor writing
// it counts in our turns. Each answer sits just under the cap of the operation
// that reads it (read from the compiled transport, dist/nodes/TrafficLight/
// transport/trafficLightApi.js); two are over it, to show an oversized answer
// refused unread. Only public entry points, so the bench outlives any rewrite
// of how an answer is read.
const path = require('node:path');
const { watchEventLoop } = require('./eventLoopWatch');
const { executeContext } = require('./retryAfterStorm');
const { forkMockProcess } = require('./mockProcess');

const MB = 1024 * 1024;
/** This many bytes under its cap, an answer sits within its operation's cap. */
const UNDER = 64;
/** No turn of our code over this while an answer within its cap is read (issue 28). */
const ANSWER_BOUND_MS = 50;

/** Which operation reads the answer: the mock route it is served on, the node parameters that call it and its cap (a transport export). */
const OPERATIONS = {
	feed: {
		route: 'feed',
		name: 'Get Status by date range (one day)',
		parameters: { resource: 'lead', operation: 'getStatus', lookupBy: 'dateRange', dateFrom: '2026-11-01', dateTo: '2026-11-01' },
		cap: 'FEED_DAY_BYTES',
	},
	send: { route: 'send', name: 'Send', parameters: { resource: 'lead', operation: 'send' }, cap: 'SEND_ANSWER_BYTES' },
	balance: { route: 'balance', name: 'Get Balance', parameters: { resource: 'account', operation: 'getBalance' }, cap: 'SEND_ANSWER_BYTES' },
};

/** `open` + `unit` repeated (commas between) + `close`, at most `bytes` - UNDER long; `join` '' for one piece without commas. */
function build(open, unit, close, bytes, join = ',') {
	const count = Math.floor((bytes - UNDER - open.length - close.length) / (unit.length + join.length));
	return { text: `${open}${Array(count).fill(unit).join(join)}${close}`, count };
}

/** `open` + `"0":0,"1":0,…` (short base-36 names) + `close`, at most `bytes` - UNDER long; `count` is the number of keys. */
function keyed(open, close, bytes) {
	const parts = [];
	let length = open.length + close.length - 1;
	for (let i = 0; ; i++) {
		const part = `"${i.toString(36)}":0`;
		if (length + part.length + 1 > bytes - UNDER) break;
		parts.push(part);
		length += part.length + 1;
	}
	return { text: `${open}${parts.join(',')}${close}`, count: parts.length };
}

/** Brackets balanced, `levels` deep, with a bare word at the bottom: invalid JSON only below the top levels. */
function deepInvalid(open, levels) {
	return { text: `${open}${'['.repeat(levels)}not json${']'.repeat(levels)}}`, count: levels };
}

const n = (count) => count.toLocaleString('en-US');

/**
 * Each shape: the operation that reads it, its text at about `bytes` ({ text, count }, built in the mock's
 * process), its label from the real count, and where the outcome matters, what it must not be. `over`: the
 * answer's size instead of its cap, over the cap, to be refused unread.
 */
const ANSWER_SHAPES = [
	{ key: 'tinyRows', op: 'feed', text: (b) => build('{"count":1,"leads":[', '{}', ']}', b), label: (c) => `date-range feed of ${n(c)} tiny rows (\`{"leads":[{},{},…]}\`)` },
	{ key: 'leadsObject', op: 'feed', text: (b) => keyed('{"count":1,"leads":{', '}}', b), label: (c) => `date-range feed whose \`leads\` is an object of ${n(c)} keys (\`{"leads":{"0":0,"1":0,…}}\`)` },
	{ key: 'scalars', op: 'feed', text: (b) => build('{"count":1,"leads":[', '0', ']}', b), label: (c) => `date-range feed of ${n(c)} scalars (\`{"leads":[0,0,…]}\`)` },
	{ key: 'oneString', op: 'feed', text: (b) => build('"', 'a', '"', b, ''), label: () => 'date-range feed that is one string, no commas (`"aaa…"`)' },
	{ key: 'oneNumber', op: 'feed', text: (b) => build('', '1', '', b, ''), label: () => 'date-range feed that is one number, no commas (`111…`)' },
	{ key: 'smallObjects', op: 'send', text: (b) => build('{"id":5,"x":[', '{"a":1}', ']}', b), label: (c) => `send answer of ${n(c)} small objects (\`{"id":5,"x":[{"a":1},…]}\`)` },
	{ key: 'deepInvalidSend', op: 'send', text: () => deepInvalid('{"id":5,"x":', 25), label: (c) => `send answer of invalid JSON ${c} levels down (\`{"id":5,"x":[[[…not json…]]]}\`)`, mustNot: 'delivered' },
	{ key: 'objectSend', op: 'send', text: (b) => keyed('{"id":5,"x":{', '}}', b), label: (c) => `send answer with an object of ${n(c)} keys (\`{"id":5,"x":{"0":0,…}}\`)` },
	{ key: 'scalarsSend', op: 'send', text: (b) => build('{"id":5,"x":[', '0', ']}', b), label: (c) => `send answer of ${n(c)} scalars (\`{"id":5,"x":[0,0,…]}\`)` },
	{ key: 'oneStringSend', op: 'send', text: (b) => build('"', 'a', '"', b, ''), label: () => 'send answer that is one string (`"aaa…"`)', mustNot: 'delivered' },
	{ key: 'oneNumberSend', op: 'send', text: (b) => build('', '1', '', b, ''), label: () => 'send answer that is one number (`111…`)', mustNot: 'delivered' },
	{ key: 'objectBalance', op: 'balance', text: (b) => keyed('{"balance":1,"x":{', '}}', b), label: (c) => `balance answer with an object of ${n(c)} keys (\`{"balance":1,"x":{"0":0,…}}\`)` },
	{ key: 'scalarsBalance', op: 'balance', text: (b) => build('{"balance":1,"x":[', '0', ']}', b), label: (c) => `balance answer of ${n(c)} scalars (\`{"balance":1,"x":[0,0,…]}\`)` },
	{ key: 'oneStringBalance', op: 'balance', text: (b) => build('"', 'a', '"', b, ''), label: () => 'balance answer that is one string (`"aaa…"`)' },
	{
		key: 'deepInvalidBalance',
		op: 'balance',
		text: () => deepInvalid('{"balance":1,"x":', 25),
		label: (c) => `balance answer of invalid JSON ${c} levels down (\`{"balance":1,"x":[[[…not json…]]]}\`)`,
		mustNot: 'read',
	},
	{ key: 'tinyRowsOverCap', op: 'feed', over: 16 * MB, text: (b) => build('{"count":1,"leads":[', '{}', ']}', b), label: (c) => `date-range feed of ${n(c)} tiny rows (\`{"leads":[{},{},…]}\`)`, mustNot: 'read' },
	{ key: 'smallObjectsOverCap', op: 'send', over: MB, text: (b) => build('{"id":5,"x":[', '{"a":1}', ']}', b), label: (c) => `send answer of ${n(c)} small objects (\`{"id":5,"x":[{"a":1},…]}\`)`, mustNot: 'delivered' },
];

/** The text of shape `key` at about `bytes` (in the mock's process): { text, count }. */
function answerText(key, bytes) {
	return ANSWER_SHAPES.find((s) => s.key === key).text(bytes);
}

/** The answer caps of the compiled package, by operation, in bytes. */
function answerCaps(root) {
	const api = require(path.join(root, 'dist/nodes/TrafficLight/transport/trafficLightApi.js'));
	const caps = {};
	for (const [op, { cap }] of Object.entries(OPERATIONS)) {
		if (!Number.isInteger(api[cap])) throw new Error(`dist/nodes/TrafficLight/transport/trafficLightApi.js exports no ${cap}`);
		caps[op] = api[cap];
	}
	return caps;
}

function size(bytes) {
	if (bytes < 1024) return `${bytes} bytes`;
	return bytes >= 1000 * 1024 ? `${(bytes / MB).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** What the output says: the first item's outcome or error, a send's delivery, or how many items were read. */
function describe(out, op) {
	const item = out?.[0]?.json ?? {};
	if (item.error) return `${item.outcome ? `${item.outcome}: ` : 'error: '}${String(item.error).slice(0, 70)}`;
	if (item.outcome) return String(item.outcome);
	if (op === 'send' && item.trafficLightId !== undefined) return `delivered (trafficLightId ${String(item.trafficLightId).slice(0, 20)})`;
	return `read (${out.length} item${out.length === 1 ? '' : 's'})`;
}

/** One execute() of `op` against the mock at `baseUrl`, one item, Continue On Fail. */
async function runOnce(TrafficLight, root, baseUrl, op) {
	const context = executeContext(root, baseUrl, { parameters: OPERATIONS[op].parameters, items: [{ json: { leadId: 'hostile-1' } }] });
	try {
		const [out] = await new TrafficLight().execute.call(context);
		return describe(out, op);
	} catch (error) {
		return `threw: ${String(error.message).slice(0, 70)}`;
	}
}

async function measureAnswers(root) {
	const { TrafficLight } = require(path.join(root, 'dist/nodes/TrafficLight/TrafficLight.node.js'));
	const caps = answerCaps(root);
	const rows = [];
	const mock = forkMockProcess(path.join(__dirname, 'trafficLightMockProcess.js'));
	try {
		const { baseUrl } = await mock.ask({ cmd: 'start' });
		// A first run of each operation loads and compiles its path, so that it is not counted as a shape's turn.
		for (const op of Object.keys(OPERATIONS)) {
			const body = op === 'feed' ? '{"count":0,"leads":[]}' : op === 'send' ? '{"id":5}' : '{"balance":1}';
			await mock.ask({ cmd: 'setMode', mode: { kind: 'fixedAnswer', route: OPERATIONS[op].route, body } });
			await runOnce(TrafficLight, root, baseUrl, op);
		}
		for (const shape of ANSWER_SHAPES) {
			const cap = caps[shape.op];
			const { bytes, count } = await mock.ask({ cmd: 'answer', shape: shape.key, bytes: shape.over ?? cap, cap: shape.over ? undefined : cap, route: OPERATIONS[shape.op].route });
			const watch = watchEventLoop();
			const outcome = await runOnce(TrafficLight, root, baseUrl, shape.op);
			const { longestTurnMs, ms, heapAddedMb } = watch.stop();
			const outcomeOk = !shape.mustNot || !outcome.startsWith(shape.mustNot);
			const capText = `${Math.round(cap / 1024)} KB`;
			const sized = shape.over ? `${size(bytes)}, over the ${capText} cap: to be refused unread` : `${size(bytes)} (cap ${capText})`;
			rows.push({
				key: shape.key,
				label: `${OPERATIONS[shape.op].name}: ${shape.label(count)}, ${sized}`,
				bytes,
				cap,
				overCap: Boolean(shape.over),
				longestTurnMs,
				ms,
				heapAddedMb,
				outcome,
				boundMs: ANSWER_BOUND_MS,
				bound: `≤ ${ANSWER_BOUND_MS} ms${shape.mustNot ? `, not "${shape.mustNot}"` : ''}`,
				pass: longestTurnMs <= ANSWER_BOUND_MS && outcomeOk,
			});
		}
		await mock.ask({ cmd: 'setMode', mode: { kind: 'normal' } });
	} finally {
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

module.exports = { measureAnswers, answersTable, answerText, answerCaps, ANSWER_BOUND_MS };

if (require.main === module) {
	measureAnswers(path.join(__dirname, '..', '..')).then((rows) => {
		for (const r of rows) process.stdout.write(`${r.pass ? 'PASS' : 'MISS'} ${r.longestTurnMs.toFixed(1)} ms ${r.heapAddedMb.toFixed(1)} MB | ${r.label} | ${r.outcome}\n`);
	});
}
