'use strict';
// A 16 MB form body of raw 8-bit pairs with the right token: the CPU time of
// the Klientiks Trigger's webhook() next to n8n's own parse of the same body,
// which n8n runs on every urlencoded call before webhook() is called
// (querystring.parse of the body as text, at most 1,000 keys: its
// middlewares/body-parser). The trigger decodes no more than an item keeps,
// so it should cost no more than that parse.
const querystring = require('node:querystring');

const BYTES = 16 * 1024 * 1024;
const RUNS = 5;
const PAIRS = 1000;

const SHAPES = [
	{ key: 'cp1251Pairs', label: '1,000 pairs of Windows-1251 bytes (`k1=%C0%C1…&k2=…`)', escape: '%C0%C1' },
	{ key: 'utf8Pairs', label: '1,000 pairs of UTF-8 Cyrillic (`k1=%D0%98…&k2=…`)', escape: '%D0%98' },
];

/** `event=custom&k1=…&k2=…`: PAIRS pairs of one escape, about BYTES long. */
function body(escape) {
	const value = escape.repeat(Math.floor(BYTES / PAIRS / escape.length));
	const parts = ['event=custom'];
	for (let i = 1; i < PAIRS; i++) parts.push(`k${i}=${value}`);
	return Buffer.from(parts.join('&'));
}

/** Median and worst CPU milliseconds (user + system) of `runs` calls of `work`, after one warm-up. */
async function cpuMs(work) {
	await work();
	const times = [];
	for (let run = 0; run < RUNS; run++) {
		if (global.gc) global.gc();
		const started = process.cpuUsage();
		await work();
		const used = process.cpuUsage(started);
		times.push((used.user + used.system) / 1000);
	}
	times.sort((a, b) => a - b);
	return { median: times[Math.floor(times.length / 2)], worst: times[times.length - 1] };
}

/** `contextFor(payload)` gives the IWebhookFunctions of a form POST with the right token. */
async function measureFormParse(trigger, contextFor) {
	const rows = [];
	for (const shape of SHAPES) {
		const payload = body(shape.escape);
		const context = contextFor(payload);
		const first = await trigger.webhook.call(context);
		if (!first.workflowData) throw new Error(`form parse ${shape.key}: the call was not accepted`);
		const ours = await cpuMs(() => trigger.webhook.call(context));
		const n8n = await cpuMs(() => querystring.parse(payload.toString('utf8'), undefined, undefined, { maxKeys: 1000 }));
		rows.push({ key: shape.key, label: shape.label, bytes: payload.length, ours, n8n });
	}
	return rows;
}

function formParseTable(rows, format) {
	return [
		"| 16 MB form body, right token | trigger's webhook() CPU ms: median (worst) | n8n's own parse of the body CPU ms: median (worst) | webhook() / n8n's parse |",
		'| --- | ---: | ---: | ---: |',
		...rows.map(
			(r) =>
				`| ${r.label} | ${format(r.ours.median)} (${format(r.ours.worst)}) | ${format(r.n8n.median)} (${format(r.n8n.worst)}) | ${(r.ours.median / r.n8n.median).toFixed(2)} |`,
		),
	];
}

module.exports = { measureFormParse, formParseTable, RUNS };
