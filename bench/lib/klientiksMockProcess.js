'use strict';
// The Klientiks mock in a child process of its own (bench/catchUp.js), so that its work (building
// pages, sorting rows) is not counted in the bench process's event-loop turns or memory. Driven over
// IPC: { cmd: 'seed', kind, count, fromMs, toMs } makes `count` events happen, stamped evenly between
// the two times; { cmd: 'stats' } answers the requests received so far, by action and model.
const { KlientiksMock } = require('../../scripts/lib/klientiksMock');

const mock = new KlientiksMock();

async function seed({ kind, count, fromMs, toMs }) {
	const step = count > 1 ? (toMs - fromMs) / (count - 1) : 0;
	for (let i = 0; i < count; i++) {
		const at = Math.round(fromMs + i * step);
		if (kind === 'clients') await mock.addClient({}, { at });
		else if (kind === 'appointments') await mock.addAppointment({}, { at });
		else await mock.payVisit({}, { at });
	}
}

function stats() {
	const byCall = {};
	for (const r of mock.requests) {
		const name = r.model ? `${r.action} ${r.model}` : String(r.action);
		byCall[name] = (byCall[name] ?? 0) + 1;
	}
	return { requests: mock.requests.length, byCall, statuses: [...new Set(mock.requests.map((r) => r.status))] };
}

process.on('message', (message) => {
	const reply = (body) => process.send({ id: message.id, ...body });
	const handle = async () => {
		if (message.cmd === 'start') return { baseUrl: (await mock.start()).baseUrl };
		if (message.cmd === 'seed') return (await seed(message), {});
		if (message.cmd === 'stats') return stats();
		if (message.cmd === 'stop') return (await mock.stop(), {});
		throw new Error(`unknown command ${message.cmd}`);
	};
	handle().then(reply, (error) => reply({ error: String(error.stack || error) }));
});
