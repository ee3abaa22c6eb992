'use strict';
// Hostile Traffic Light answers for bench/hostile.js: the Traffic Light node's
// answer reading at its size caps.
const path = require('node:path');
const { watchEventLoop } = require('./eventLoopWatch');

/**
 * Hostile Traffic Light answers, read by the Traffic Light node's classifyAnswer
 * (parsing and key masking) at their size caps: the longest event-loop turn
 * while one is read (a setImmediate ticker; garbage collection included), the
 * time, the heap added and the outcome.
 */
const ANSWER_SHAPES = [
	{ key: 'tinyRows1', label: 'date-range feed of tiny rows (`{"leads":[{},{},…]}`), 1 MB', open: '{"count":1,"leads":[', unit: '{},', close: ']}', bytes: 1024 * 1024 },
	{ key: 'tinyRows16', label: 'date-range feed of tiny rows (`{"leads":[{},{},…]}`), 16 MB', open: '{"count":1,"leads":[', unit: '{},', close: ']}', bytes: 16 * 1024 * 1024 },
	{ key: 'smallObjects', label: 'send answer of small objects (`{"id":5,"x":[{"a":1},…]}`), 1 MB', open: '{"id":5,"x":[', unit: '{"a":1},', close: ']}', bytes: 1024 * 1024 },
];

async function measureAnswers(root) {
	const { classifyAnswer } = require(path.join(root, 'dist/nodes/TrafficLight/transport/answer.js'));
	const { secretMasker } = require(path.join(root, 'dist/nodes/TrafficLight/transport/secretMask.js'));
	const mask = secretMasker('bench-api-key-0001');
	const rows = [];
	for (const shape of ANSWER_SHAPES) {
		const count = Math.floor((shape.bytes - shape.open.length - shape.close.length) / shape.unit.length);
		const text = Buffer.from(`${shape.open}${shape.unit.repeat(count).replace(/,$/, '')}${shape.close}`).toString('utf8');
		const watch = watchEventLoop();
		let outcome;
		try {
			const result = await classifyAnswer(200, text, mask);
			outcome = result.ok ? 'read' : `refused: ${result.failure.kind}`;
		} catch (error) {
			outcome = `threw: ${String(error.message).slice(0, 60)}`;
		}
		const { longestTurnMs, ms, heapAddedMb } = watch.stop();
		rows.push({ key: shape.key, label: shape.label, longestTurnMs, ms, heapAddedMb, outcome });
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

module.exports = { measureAnswers, answersTable };
