'use strict';
// Hostile Klientiks answers for bench/hostile.js: the Klientiks node's execute() (Client → Get Many,
// Limit 100: one list request) on the compiled package, through n8n-core's real request helper, against
// the Klientiks mock answering every request with the hostile text (mode fixedAnswer). Each answer sits
// just under the Klientiks transport's cap (MAX_ANSWER_BYTES in nodes/Klientiks/transport/klientiksApi.ts),
// one is over it. Only public entry points, as for the Traffic Light answers (hostileAnswers.js).
const { watchEventLoop } = require('./eventLoopWatch');
const { klientiksExecuteContext, loadKlientiks } = require('./klientiksContext');
const { KlientiksMock, DEFAULT_CREDENTIALS } = require('../../scripts/lib/klientiksMock');
const { ANSWER_BOUND_MS } = require('./hostileAnswers');

const UNDER = 64;
const PARAMETERS = { resource: 'client', operation: 'getMany', returnAll: false, limit: 100, changedSince: '', options: {} };

/** `open` + `unit` repeated (commas between) + `close`, about `bytes` long; `join` '' for one piece without commas. */
function build(open, unit, close, bytes, join = ',') {
	const count = Math.floor((bytes - UNDER - open.length - close.length) / (unit.length + join.length));
	return `${open}${Array(count).fill(unit).join(join)}${close}`;
}

/** `"0":0,"1":0,…` with short base-36 names, about `bytes` long. */
function members(bytes) {
	const parts = [];
	let length = 0;
	for (let i = 0; length < bytes - UNDER; i++) {
		const part = `"${i.toString(36)}":0`;
		parts.push(part);
		length += part.length + 1;
	}
	return parts.join(',');
}

/** Each shape at `cap` bytes (the transport's answer cap); `mustNot`: an outcome it must not have. */
function shapes(cap) {
	const kb = `${Math.round(cap / 1024)} KB`;
	const token = DEFAULT_CREDENTIALS.token;
	return [
		{ key: 'kxTinyRows', label: `list of tiny rows (\`{"items":[{},{},…]}\`), ${kb}`, text: () => build('{"offset":0,"items":[', '{}', ']}', cap) },
		{ key: 'kxItemsObject', label: `\`items\` an object of ~${Math.round(cap / 8 / 1000)},000 keys (\`{"items":{"0":0,…}}\`), ${kb}`, text: () => `{"items":{${members(cap - 16)}}}` },
		{ key: 'kxScalars', label: `list of scalars (\`{"items":[0,0,…]}\`), ${kb}`, text: () => build('{"items":[', '0', ']}', cap), mustNot: 'read' },
		{ key: 'kxOneString', label: `one string, no commas (\`"aaa…"\`), ${kb}`, text: () => build('"', 'a', '"', cap, ''), mustNot: 'read' },
		{ key: 'kxOneNumber', label: `one number, no commas (\`111…\`), ${kb}`, text: () => build('', '1', '', cap, ''), mustNot: 'read' },
		{ key: 'kxErrorWords', label: `\`items\` an error string (\`{"items":"aaa…"}\`), ${kb}`, text: () => build('{"items":"', 'a', '"}', cap, '') },
		{ key: 'kxLongValue', label: `one row with one long value (\`{"items":[{"name":"ИИИ…"}]}\`), ${kb}`, text: () => build('{"items":[{"id":1,"name":"', 'И', '"}]}', cap / 2, '') },
		{ key: 'kxTokenEcho', label: `rows echoing the token (\`{"items":[{"a":"<token>"},…]}\`, every value masked), ${kb}`, text: () => build('{"items":[', `{"a":"${token}"}`, ']}', cap) },
		{ key: 'kxProto', label: `rows of \`__proto__\` keys (\`{"items":[{"__proto__":{"x":1}},…]}\`), ${kb}`, text: () => build('{"items":[', '{"__proto__":{"x":1}}', ']}', cap) },
		{ key: 'kxDeepValid', label: `valid JSON nested one level per 2 bytes (\`{"items":[{"a":[[[…]]]}]}\`), ${kb}`, text: () => { const levels = Math.floor((cap - UNDER - 32) / 2); return `{"items":[{"a":${'['.repeat(levels)}${']'.repeat(levels)}}]}`; } },
		{ key: 'kxDeepInvalid', label: 'invalid JSON 25 levels down (`{"items":[[[…not json…]]]}`)', text: () => `{"items":${'['.repeat(25)}not json${']'.repeat(25)}}`, mustNot: 'read' },
		{ key: 'kxOverCap', label: `list of tiny rows over the cap (\`{"items":[{},…]}\`), ${Math.round((cap * 4) / 3 / 1024)} KB: asked again with half the rows down to one, then an error`, text: () => build('{"items":[', '{}', ']}', Math.round((cap * 4) / 3) + UNDER), mustNot: 'read' },
	];
}

function describe(out) {
	const item = out?.[0]?.json ?? {};
	if (item.error) return `error: ${String(item.error).slice(0, 90)}`;
	return `read (${out.length} item${out.length === 1 ? '' : 's'})`;
}

async function runOnce(Klientiks, mock) {
	try {
		const [out] = await new Klientiks().execute.call(klientiksExecuteContext(mock.baseUrl, PARAMETERS));
		return describe(out);
	} catch (error) {
		return `threw: ${String(error.message).slice(0, 70)}`;
	}
}

async function measureKlientiksAnswers(root) {
	const { Klientiks, api } = loadKlientiks(root);
	const cap = api.MAX_ANSWER_BYTES;
	// One request per run: the account's pace (1 request per second) would only add its wait to the time column.
	const gapMs = api.klientiksPace.gapMs;
	api.klientiksPace.gapMs = 0;
	const rows = [];
	const mock = await new KlientiksMock().start();
	try {
		// A first run loads and compiles the path, so that it is not counted as a shape's turn.
		mock.setMode({ kind: 'fixedAnswer', body: '{"offset":1,"items":[{"id":1,"phone":"79991234567"}],"count":1,"limit":100}' });
		await runOnce(Klientiks, mock);
		for (const shape of shapes(cap)) {
			let text = shape.text();
			const bytes = Buffer.byteLength(text);
			mock.setMode({ kind: 'fixedAnswer', body: text });
			text = undefined; // the mock holds it; the heap added is the node's
			const before = mock.requests.length;
			const watch = watchEventLoop();
			const outcome = await runOnce(Klientiks, mock);
			const { longestTurnMs, ms, heapAddedMb } = watch.stop();
			const requests = mock.requests.length - before;
			const outcomeOk = !shape.mustNot || !outcome.startsWith(shape.mustNot);
			rows.push({
				key: shape.key,
				label: `Klientiks Client → Get Many: ${shape.label}`,
				bytes,
				longestTurnMs,
				ms,
				heapAddedMb,
				outcome: `${outcome}; ${requests} request${requests === 1 ? '' : 's'}`,
				boundMs: ANSWER_BOUND_MS,
				bound: `≤ ${ANSWER_BOUND_MS} ms${shape.mustNot ? `, not "${shape.mustNot}"` : ''}`,
				pass: longestTurnMs <= ANSWER_BOUND_MS && outcomeOk,
			});
		}
	} finally {
		api.klientiksPace.gapMs = gapMs;
		mock.setMode({ kind: 'normal' });
		await mock.stop();
	}
	return rows;
}

module.exports = { measureKlientiksAnswers };

if (require.main === module) {
	const path = require('node:path');
	measureKlientiksAnswers(path.join(__dirname, '..', '..')).then((rows) => {
		for (const r of rows) process.stdout.write(`${r.pass ? 'PASS' : 'MISS'} ${r.longestTurnMs.toFixed(1)} ms ${r.heapAddedMb.toFixed(1)} MB ${(r.bytes / 1024).toFixed(0)} KB | ${r.label} | ${r.outcome}\n`);
	});
}
