'use strict';
// A load balancer in miniature for the queue scenario: one port on 127.0.0.1
// that hands each incoming request to the next of several HTTP servers in
// turn (round robin, no stickiness), as a plain load balancer in front of
// several `n8n webhook` processes does. Method, path, query, headers and body
// pass through unchanged; so does the answer.
const http = require('node:http');

class RoundRobinProxy {
	/** @param {string[]} targets  base URLs, e.g. http://127.0.0.1:5679 */
	constructor(targets) {
		this.targets = targets.map((t) => new URL(t));
		/** Requests handed to each target, by index. */
		this.counts = this.targets.map(() => 0);
		this.next = 0;
		/** @type {http.Server|null} */
		this.server = null;
		this.port = 0;
	}

	get baseUrl() {
		return `http://127.0.0.1:${this.port}`;
	}

	async start() {
		const server = http.createServer((req, res) => this.forward(req, res));
		await new Promise((resolve, reject) => {
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => resolve(undefined));
		});
		this.server = server;
		const address = server.address();
		this.port = typeof address === 'object' && address ? address.port : 0;
		return this;
	}

	/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
	forward(req, res) {
		const index = this.next;
		this.next = (this.next + 1) % this.targets.length;
		this.counts[index]++;
		const target = this.targets[index];
		const upstream = http.request(
			// A fresh connection per request: a kept-alive one the server has just closed would fail the call.
			{ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on('error', (error) => {
			if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
			res.end(`proxy: ${error.message}`);
		});
		req.pipe(upstream);
	}

	async stop() {
		const server = this.server;
		this.server = null;
		if (!server) return;
		server.closeAllConnections();
		await new Promise((resolve) => server.close(() => resolve(undefined)));
	}
}

module.exports = { RoundRobinProxy };
