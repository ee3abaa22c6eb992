'use strict';
// The Traffic Light mock in a child process of its own (bench/hostile.js: the hostile answers and the
// Retry-After storms), so that building and writing an answer, or refusing a storm's requests, is not
// counted in the bench process's event-loop turns or memory. Driven over IPC (bench/lib/mockProcess.js):
// { cmd: 'answer', shape, bytes, cap, route } builds the hostile answer `shape` at about `bytes` here
// (bench/lib/hostileAnswers.js) and serves it on `route`, answering its real size and count;
// { cmd: 'setMode', mode } and { cmd: 'reset' } as the mock's own; { cmd: 'stats' } the leads stored
// and the requests received by route.
const { TrafficLightMock } = require('../../scripts/lib/trafficLightMock');
const { answerText } = require('./hostileAnswers');

const mock = new TrafficLightMock();

function answer({ shape, bytes, cap, route }) {
	const { text, count } = answerText(shape, bytes);
	const size = Buffer.byteLength(text);
	// A shape built for its cap must fit it, or the row would measure a refusal.
	if (cap !== undefined && size > cap) throw new Error(`shape ${shape}: ${size} bytes, over the cap of ${cap}`);
	mock.setMode({ kind: 'fixedAnswer', route, body: text });
	return { bytes: size, count };
}

function stats() {
	const requests = {};
	for (const route of ['send', 'feed', 'balance']) requests[route] = mock.requestsTo(route).length;
	return { leads: mock.leads.length, requests };
}

process.on('message', (message) => {
	const reply = (body) => process.send({ id: message.id, ...body });
	const handle = async () => {
		if (message.cmd === 'start') return { baseUrl: (await mock.start()).baseUrl };
		if (message.cmd === 'answer') return answer(message);
		if (message.cmd === 'setMode') return (mock.setMode(message.mode), {});
		if (message.cmd === 'reset') return (mock.reset(), {});
		if (message.cmd === 'stats') return stats();
		if (message.cmd === 'stop') return (await mock.stop(), {});
		throw new Error(`unknown command ${message.cmd}`);
	};
	handle().then(reply, (error) => reply({ error: String(error.stack || error) }));
});
