import type { IDataObject } from 'n8n-workflow';

import { shortJson, shorten } from '../../shared/outsideData';
import { MAX_ANSWER_OBJECTS, parseAnswer } from './answerJson';
import { KEY_REJECTED_STATUSES, NOT_DELIVERED_STATUSES, type CallResult } from './failures';
import { secretMasker, type KeyMasker } from './secretMask';

/** An errmsg or an echo could be of any length; messages keep this much. */
const MAX_ERRMSG_CHARS = 300;

/** Longest answer text a message quotes. */
export const MAX_PREVIEW_CHARS = 120;

/** The start of an answer's text for a message: masked, whitespace collapsed, shortened. */
export function answerPreview(text: string, mask: KeyMasker): string {
	const start = mask.start(text, MAX_PREVIEW_CHARS * 2);
	const collapsed = start.text.replace(/\s+/g, ' ').trim();
	return shorten(start.cut ? `${collapsed}…` : collapsed, MAX_PREVIEW_CHARS);
}

/**
 * Reads Traffic Light's answer whatever the HTTP status: `errmsg` wins, then the status.
 * Every string of it is masked while it is read, so an echoed API key never reaches a message or the output.
 */
export async function classifyAnswer(
	statusCode: number,
	text: string,
	mask: KeyMasker = secretMasker(''),
	signal?: AbortSignal,
): Promise<CallResult> {
	const parsed = await parseAnswer(text, mask, signal);
	// A cancelled execution does not wait for the rest of a long answer to be read.
	signal?.throwIfAborted();
	const success = statusCode >= 200 && statusCode <= 299;
	if (!parsed.ok && parsed.problem === 'tooManyObjects' && success) {
		const detail = `an answer of more than ${MAX_ANSWER_OBJECTS} objects`;
		return { ok: false, failure: { kind: 'tooManyObjects', notDelivered: false, statusCode, maxObjects: MAX_ANSWER_OBJECTS, detail } };
	}
	const body = parsed.ok ? parsed.value : undefined;
	const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
	const errmsg = isObject ? (body as IDataObject).errmsg : undefined;
	if (errmsg !== undefined && errmsg !== null && errmsg !== '') {
		const quoted = shorten(typeof errmsg === 'string' ? errmsg : shortJson(errmsg, MAX_ERRMSG_CHARS), MAX_ERRMSG_CHARS);
		return { ok: false, failure: { kind: 'errmsg', notDelivered: true, statusCode, errmsg: quoted } };
	}
	if (KEY_REJECTED_STATUSES.has(statusCode)) {
		return { ok: false, failure: { kind: 'keyRejected', notDelivered: true, statusCode, detail: `HTTP ${statusCode}` } };
	}
	if (!success) {
		const notDelivered = NOT_DELIVERED_STATUSES.has(statusCode);
		return { ok: false, failure: { kind: 'http', notDelivered, statusCode, detail: `HTTP ${statusCode}` } };
	}
	if (!isObject) {
		const detail = answerPreview(text, mask) || 'an empty body';
		return { ok: false, failure: { kind: 'nonJson', notDelivered: false, statusCode, detail } };
	}
	return { ok: true, statusCode, body: body as IDataObject };
}
