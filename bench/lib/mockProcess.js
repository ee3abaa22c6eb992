'use strict';
// A mock server in a child process of its own (bench/lib/klientiksMockProcess.js,
// bench/lib/trafficLightMockProcess.js), so that its work (building and writing answers,
// refusing requests) is not counted in the bench process's event-loop turns or memory.
// `ask(message)` sends one command over IPC and resolves with the child's reply.
const { fork } = require('node:child_process');

/** Forks `file`; returns { ask, stop }. */
function forkMockProcess(file) {
	const child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	let next = 0;
	const waiting = new Map();
	child.on('message', (message) => {
		const done = waiting.get(message.id);
		waiting.delete(message.id);
		if (message.error) done.reject(new Error(message.error));
		else done.resolve(message);
	});
	child.on('exit', (code) => {
		for (const done of waiting.values()) done.reject(new Error(`mock process exited (${code})`));
		waiting.clear();
	});
	const ask = (body) =>
		new Promise((resolve, reject) => {
			const id = ++next;
			waiting.set(id, { resolve, reject });
			child.send({ id, ...body });
		});
	return { ask, stop: async () => (await ask({ cmd: 'stop' }), child.disconnect()) };
}

module.exports = { forkMockProcess };
