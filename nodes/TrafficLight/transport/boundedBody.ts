/**
 * Reads an answer body without trusting its size: a Traffic Light answer is a
 * few hundred bytes, so anything past the cap is cut off (the connection is
 * closed) instead of being buffered, parsed and copied into the output.
 */

/** Cap for every answer but a Get Status by date range. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** A date range may list thousands of leads of a few hundred bytes each. */
export const MAX_FEED_RANGE_BYTES = 16 * 1024 * 1024;

export type BodyRead = { ok: true; text: string } | { ok: false; tooLarge: true };

/** What n8n hands back for `encoding: 'stream'`: a Node readable stream. */
interface ByteStream extends AsyncIterable<unknown> {
	destroy(error?: Error): unknown;
}

function isByteStream(value: unknown): value is ByteStream {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as Partial<ByteStream>)[Symbol.asyncIterator] === 'function' &&
		typeof (value as Partial<ByteStream>).destroy === 'function'
	);
}

function toBuffer(chunk: unknown): Buffer {
	if (Buffer.isBuffer(chunk)) return chunk;
	if (chunk instanceof Uint8Array) return Buffer.from(chunk);
	return Buffer.from(String(chunk), 'utf8');
}

/** Closes a body that will not be read (a redirect's), so its connection does not linger. */
export function discardBody(body: unknown): void {
	if (isByteStream(body)) body.destroy();
}

/**
 * Reads at most `maxBytes` of the body. When `signal` aborts (the Timeout, or
 * the execution being cancelled) the stream is destroyed and the read throws;
 * the caller tells which of the two it was.
 */
export async function readBounded(
	body: unknown,
	maxBytes: number,
	signal: AbortSignal,
	announcedBytes?: number,
): Promise<BodyRead> {
	if (!isByteStream(body)) {
		// Not a stream (an n8n version that ignored `encoding: 'stream'`): already in memory, still capped.
		const text = typeof body === 'string' || Buffer.isBuffer(body) ? body.toString() : body == null ? '' : JSON.stringify(body);
		return Buffer.byteLength(text) > maxBytes ? { ok: false, tooLarge: true } : { ok: true, text };
	}
	if (announcedBytes !== undefined && announcedBytes > maxBytes) {
		body.destroy();
		return { ok: false, tooLarge: true };
	}
	const stop = () => body.destroy(new Error('The request was aborted'));
	if (signal.aborted) stop();
	else signal.addEventListener('abort', stop, { once: true });
	try {
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of body) {
			const buffer = toBuffer(chunk);
			size += buffer.length;
			if (size > maxBytes) {
				body.destroy();
				return { ok: false, tooLarge: true };
			}
			chunks.push(buffer);
		}
		// A stream destroyed by the abort may simply end; the answer is then incomplete.
		if (signal.aborted) throw new Error('The request was aborted');
		return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
	} finally {
		signal.removeEventListener('abort', stop);
	}
}
