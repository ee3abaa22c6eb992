'use strict';
const http = require('node:http');
const net = require('node:net');

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`. */
async function waitFor(what, fn, { timeoutMs = 30000, intervalMs = 200 } = {}) {
	const deadline = Date.now() + timeoutMs;
	let lastError;
	for (;;) {
		try {
			const value = await fn();
			if (value) return value;
		} catch (error) {
			if (error && error.fatal) throw error;
			lastError = error;
		}
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
		}
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

/**
 * An HTTP server on 127.0.0.1 (port 0: the OS picks one) that a test can stop at once: `close()` drops
 * the open sockets too, so later connections are refused and hanging ones end.
 */
async function listenOnLoopback(handler, port = 0) {
	const server = http.createServer(handler);
	server.keepAliveTimeout = 5000;
	const sockets = new Set();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve(undefined));
	});
	const address = server.address();
	const close = async () => {
		for (const socket of sockets) socket.destroy();
		await new Promise((resolve) => server.close(() => resolve(undefined)));
	};
	return { port: typeof address === 'object' && address ? address.port : port, close };
}

module.exports = { freePort, listenOnLoopback, waitFor };
