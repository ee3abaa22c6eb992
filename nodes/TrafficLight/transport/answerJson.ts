/**
 * Reads a JSON answer as plain data, never as structure. A scan, in short turns
 * of the event loop, finds the strings and the objects and arrays; JSON.parse
 * then reads the answer a piece at a time, with a reviver that masks every
 * string and key and leaves out "__proto__" keys (copied by assignment anywhere
 * later, one would become an object's prototype). No recursion of ours, so no
 * nesting can overflow the stack.
 */
import { randomUUID } from 'node:crypto';

import { EventLoopTurns } from '../utils/eventLoopTurns';
import type { KeyMasker } from './secretMask';

/**
 * Most objects and arrays in one answer. A feed row is one object, so this is
 * also the most leads a feed answer may list: more than 16 MB of real leads hold.
 */
export const MAX_ANSWER_OBJECTS = 200_000;
/** Deeper values are replaced by TOO_DEEP: nothing Traffic Light sends nests this far. */
export const MAX_DEPTH = 20;
export const TOO_DEEP = '[nested too deeply]';

export type ParsedAnswer = { ok: true; value: unknown } | { ok: false; problem: 'notJson' | 'tooManyObjects' };

/** Longer strings, and objects and arrays with more text, are read on their own, a piece at a time. */
const PIECE_CHARS = 16 * 1024;
/** Characters scanned between two looks at the clock. */
const CHARS_PER_CHECK = 4096;
/** The longest escape sequence, "\\uXXXX": a slice that cuts one is retried that much shorter at most. */
const MAX_ESCAPE_CHARS = 6;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** An open object or array: its text so far, in which values read on their own stand as placeholders. */
interface Frame {
	open: number;
	isArray: boolean;
	/** Text already cut off at the container's own commas, each piece short enough for one JSON.parse. */
	pieces: string[];
	text: string;
	/** Where the text not yet copied into `text` starts. */
	from: number;
	edited: boolean;
}

/** A value read on its own after the scan: a long string, or an object or array read a piece at a time. */
type Deferred = { start: number; end: number } | { isArray: boolean; pieces: string[] };

class NotJson extends Error {}

export async function parseAnswer(text: string, mask: KeyMasker, signal?: AbortSignal): Promise<ParsedAnswer> {
	const turns = new EventLoopTurns();
	const breathe = async () => {
		if (!turns.due()) return;
		await turns.pause();
		signal?.throwIfAborted();
	};
	// Placeholders carry a prefix no answer can guess, so no string of the answer is taken for one.
	const tag = randomUUID();
	try {
		const scanned = await scan(text, tag, breathe);
		if (!scanned) return { ok: false, problem: 'tooManyObjects' };
		const values: unknown[] = [];
		const read = (value: string) => (value.startsWith(tag) ? values[Number(value.slice(tag.length))] : mask(value));
		const reviver = (_key: string, value: unknown): unknown => {
			if (typeof value === 'string') return read(value);
			if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
			const data: Record<string, unknown> = {};
			for (const [key, member] of Object.entries(value)) {
				const name = read(key);
				// A key that stood for a long container is no key: JSON.parse of the whole answer would refuse it.
				if (typeof name !== 'string') throw new NotJson();
				if (name !== '__proto__') data[name] = member;
			}
			return data;
		};
		for (const value of scanned.deferred) {
			if ('start' in value) {
				values.push(await readLongString(text, value.start, value.end, mask, breathe));
				continue;
			}
			const container: unknown[] | Record<string, unknown> = value.isArray ? [] : {};
			for (const piece of value.pieces) {
				// An empty piece between two cuts is a stray comma, which JSON.parse would not see.
				if (value.pieces.length > 1 && piece.trim() === '') throw new NotJson();
				const part = JSON.parse(value.isArray ? `[${piece}]` : `{${piece}}`, reviver) as unknown[] | Record<string, unknown>;
				if (Array.isArray(container)) for (const element of part as unknown[]) container.push(element);
				else Object.assign(container, part);
				await breathe();
			}
			values.push(container);
		}
		return { ok: true, value: JSON.parse(scanned.top, reviver) };
	} catch {
		// NotJson from the scan, a SyntaxError from JSON.parse, or the signal's abort (the caller checks it).
		return { ok: false, problem: 'notJson' };
	}
}

/**
 * Finds the answer's strings and containers: counts the containers, replaces those nested deeper
 * than MAX_DEPTH by TOO_DEEP, and leaves long strings and long containers to be read on their own
 * (undefined when there are too many containers).
 */
async function scan(text: string, tag: string, breathe: () => Promise<void>): Promise<{ top: string; deferred: Deferred[] } | undefined> {
	const root: Frame = { open: -1, isArray: false, pieces: [], text: '', from: 0, edited: false };
	const frames = [root];
	// The closing bracket of every open container, the ones too deep included.
	const closers: number[] = [];
	const deferred: Deferred[] = [];
	let objects = 0;
	let stringStart = -1;
	let tooDeepStart = -1;
	const replace = (frame: Frame, start: number, end: number, value: string) => {
		frame.text += text.slice(frame.from, start) + value;
		frame.from = end;
		frame.edited = true;
	};
	const placeholder = (value: Deferred) => JSON.stringify(`${tag}${deferred.push(value) - 1}`);
	for (let at = 0, steps = 1; at < text.length; at++, steps++) {
		if (steps % CHARS_PER_CHECK === 0) await breathe();
		const code = text.charCodeAt(at);
		const frame = frames[frames.length - 1];
		if (stringStart !== -1) {
			if (code === BACKSLASH) at++;
			else if (code === QUOTE) {
				if (at - stringStart > PIECE_CHARS && closers.length <= MAX_DEPTH) {
					replace(frame, stringStart, at + 1, placeholder({ start: stringStart + 1, end: at }));
				}
				stringStart = -1;
			}
		} else if (code === QUOTE) {
			stringStart = at;
		} else if (code === 0x7b || code === 0x5b) {
			if (++objects > MAX_ANSWER_OBJECTS) return undefined;
			// A closing bracket's code is two past its opening one's.
			closers.push(code + 2);
			if (closers.length <= MAX_DEPTH) frames.push({ open: at, isArray: code === 0x5b, pieces: [], text: '', from: at + 1, edited: false });
			else if (closers.length === MAX_DEPTH + 1) tooDeepStart = at;
		} else if (code === 0x7d || code === 0x5d) {
			if (closers.pop() !== code) throw new NotJson();
			if (closers.length === MAX_DEPTH) replace(frame, tooDeepStart, at + 1, JSON.stringify(TOO_DEEP));
			if (closers.length >= MAX_DEPTH) continue;
			frames.pop();
			const last = frame.text + text.slice(frame.from, at);
			const parent = frames[frames.length - 1];
			// One with a placeholder in it is read on its own too, so that its text is never copied into its parent's.
			if (frame.edited || frame.pieces.length > 0 || last.length > PIECE_CHARS) {
				replace(parent, frame.open, at + 1, placeholder({ isArray: frame.isArray, pieces: [...frame.pieces, last] }));
			}
		} else if (code === COMMA && closers.length > 0 && closers.length <= MAX_DEPTH && frame.text.length + at - frame.from > PIECE_CHARS) {
			frame.pieces.push(frame.text + text.slice(frame.from, at));
			frame.text = '';
			frame.from = at + 1;
		}
	}
	if (stringStart !== -1 || closers.length > 0) throw new NotJson();
	return { top: root.text + text.slice(root.from), deferred };
}

/** A long string, decoded and masked a slice at a time, into a string never copied whole. */
async function readLongString(text: string, start: number, end: number, mask: KeyMasker, breathe: () => Promise<void>): Promise<string> {
	let masked = '';
	let rest = '';
	for (let from = start; from < end; ) {
		const slice = decodeSlice(text, from, end);
		const settled = mask.settled(rest + slice.text);
		masked += settled.masked;
		rest = settled.rest;
		from = slice.to;
		await breathe();
	}
	return masked + mask(rest);
}

function decodeSlice(text: string, from: number, end: number): { text: string; to: number } {
	const to = Math.min(end, from + PIECE_CHARS);
	for (let cut = to; cut > from && cut > to - MAX_ESCAPE_CHARS; cut--) {
		try {
			return { text: JSON.parse(`"${text.slice(from, cut)}"`) as string, to: cut };
		} catch {
			// A cut escape sequence, or a bad one: the last cut that can end it is the string's end.
			if (cut === end) break;
		}
	}
	throw new NotJson();
}
