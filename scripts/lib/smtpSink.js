'use strict';
// A local SMTP server that accepts every message and keeps it, decoded enough
// for assertions (headers, subject, plain-text body). n8n's Send Email node
// (nodemailer) delivers the error-workflow e-mails here.
const { SMTPServer } = require('smtp-server');

function decodeQuotedPrintable(text) {
	const bytes = [];
	const soft = text.replace(/=\r?\n/g, '');
	for (let i = 0; i < soft.length; i++) {
		const ch = soft[i];
		if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
			bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(...Buffer.from(ch, 'utf8'));
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= / =?UTF-8?B?...?=). */
function decodeWords(value) {
	return value
		.replace(/\?=\s+=\?/g, '?==?')
		.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset, enc, data) =>
			enc.toUpperCase() === 'B'
				? Buffer.from(data, 'base64').toString('utf8')
				: decodeQuotedPrintable(data.replace(/_/g, ' ')),
		);
}

function parseHeaders(block) {
	/** @type {Record<string,string>} */
	const headers = {};
	for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
		const i = line.indexOf(':');
		if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
	}
	return headers;
}

function decodePart(headers, body) {
	const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase();
	if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
	return body;
}

/** Splits a MIME message into headers and the decoded text of all text/* parts. */
function parseMessage(raw) {
	const split = raw.search(/\r?\n\r?\n/);
	const headers = parseHeaders(split < 0 ? raw : raw.slice(0, split));
	const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
	const type = headers['content-type'] ?? 'text/plain';
	const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
	let text = '';
	if (boundary) {
		for (const chunk of body.split(`--${boundary}`).slice(1)) {
			if (chunk.startsWith('--')) break;
			const part = parseMessage(chunk.replace(/^\r?\n/, ''));
			text += `${part.text}\n`;
		}
	} else {
		text = decodePart(headers, body);
	}
	return { headers, subject: decodeWords(headers.subject ?? ''), text };
}

class SmtpSink {
	constructor() {
		/** @type {{from: string, to: string[], raw: string, headers: Record<string,string>, subject: string, text: string}[]} */
		this.messages = [];
		this.port = 0;
		this.server = new SMTPServer({
			authOptional: true,
			disabledCommands: ['STARTTLS', 'AUTH'],
			logger: false,
			onData: (stream, session, callback) => {
				const chunks = [];
				stream.on('data', (c) => chunks.push(c));
				stream.on('end', () => {
					const raw = Buffer.concat(chunks).toString('utf8');
					this.messages.push({
						from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
						to: session.envelope.rcptTo.map((r) => r.address),
						raw,
						...parseMessage(raw),
					});
					callback();
				});
			},
		});
	}

	async start(port = 0) {
		await new Promise((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(port, '127.0.0.1', () => resolve(undefined));
		});
		this.port = this.server.server.address().port;
		return this;
	}

	async stop() {
		await new Promise((resolve) => this.server.close(() => resolve(undefined)));
	}

	reset() {
		this.messages = [];
	}
}

module.exports = { SmtpSink, parseMessage };
