/**
 * Reads a JSON answer as plain data, never as structure: keys become own
 * properties (a "__proto__" key is left out, since copied by assignment
 * anywhere later it would become an object's prototype), every string and key
 * is masked as it is read, and the work is split into short turns of the event
 * loop. No recursion, so no nesting can overflow the stack.
 */
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

type Container = Record<string, unknown> | unknown[];
/** Where the reader stands: before a value, before a member's key or colon, or after a value. */
type State = 'value' | 'key' | 'colon' | 'afterValue';
/** A string too long to read in one turn: the caller finds its end, decodes and masks it a slice per turn. */
type LongString = { start: number; isKey: boolean };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** Values read between two looks at the clock. */
const VALUES_PER_CHECK = 256;
/** Longer strings are decoded and masked a slice at a time, with a look at the clock after each. */
const SLICE_CHARS = 64 * 1024;
const WORDS = new Map<number, [string, unknown]>([
	[0x74, ['true', true]],
	[0x66, ['false', false]],
	[0x6e, ['null', null]],
]);

class NotJson extends Error {}

export async function parseAnswer(text: string, mask: KeyMasker, turns = new EventLoopTurns()): Promise<ParsedAnswer> {
	const reader = new AnswerReader(text, mask);
	try {
		for (;;) {
			const step = reader.read(turns);
			if (step === 'done') return { ok: true, value: reader.root };
			if (step === 'tooManyObjects') return { ok: false, problem: 'tooManyObjects' };
			if (step === 'pause') {
				await turns.pause();
				continue;
			}
			let end = -1;
			for (let from = step.start + SLICE_CHARS; end === -1; from += SLICE_CHARS) {
				if (turns.due()) await turns.pause();
				end = reader.stringEnd(from, from + SLICE_CHARS);
			}
			const escaped = reader.endString(step.start, end);
			// Decoded and masked a slice at a time, into a string never copied whole.
			let masked = '';
			let rest = '';
			for (let from = step.start; from < end; ) {
				const slice = escaped ? decodeSlice(text, from, Math.min(end, from + SLICE_CHARS), end) : plainSlice(text, from, end);
				const settled = mask.settled(rest + slice.text);
				masked += settled.masked;
				rest = settled.rest;
				from = slice.to;
				if (turns.due()) await turns.pause();
			}
			masked += mask(rest);
			reader.took(masked, step.isKey);
		}
	} catch {
		// NotJson from the reader, or a SyntaxError from an escaped string.
		return { ok: false, problem: 'notJson' };
	}
}

function plainSlice(text: string, from: number, end: number): { text: string; to: number } {
	const to = Math.min(end, from + SLICE_CHARS);
	return { text: text.slice(from, to), to };
}

/** The longest escape sequence, "\\uXXXX": a slice that cuts one is retried that much shorter at most. */
const MAX_ESCAPE_CHARS = 6;

function decodeSlice(text: string, from: number, to: number, end: number): { text: string; to: number } {
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

/** A JSON reader that stops when told to, so that its caller can let the event loop run. */
class AnswerReader {
	root: unknown;
	private at = 0;
	private state: State = 'value';
	private objects = 0;
	// Where the next backslash is, found once for all strings before it (a search per string would be quadratic).
	private nextBackslash = -1;
	// The open objects and arrays, innermost last; a null container is one deeper than MAX_DEPTH.
	private readonly containers: Array<Container | null> = [];
	private readonly isArray: boolean[] = [];
	private readonly keys: string[] = [];

	constructor(
		private readonly text: string,
		private readonly mask: KeyMasker,
	) {}

	/** Reads until the answer ends, a long string needs the caller, or it is time to pause. */
	read(turns: EventLoopTurns): 'done' | 'tooManyObjects' | 'pause' | LongString {
		const text = this.text;
		for (let steps = 1; ; steps++) {
			if (steps % VALUES_PER_CHECK === 0 && turns.due()) return 'pause';
			this.skipWhitespace();
			const code = text.charCodeAt(this.at);
			const depth = this.containers.length;
			if (this.state === 'afterValue') {
				if (depth === 0) {
					if (this.at !== text.length) throw new NotJson();
					return 'done';
				}
				this.at++;
				if (code === 0x2c) this.state = this.isArray[depth - 1] ? 'value' : 'key';
				else if (code === (this.isArray[depth - 1] ? 0x5d : 0x7d)) this.close();
				else throw new NotJson();
			} else if (this.state === 'colon') {
				if (code !== 0x3a) throw new NotJson();
				this.at++;
				this.state = 'value';
			} else if (this.state === 'key' || code === 0x22) {
				if (code !== 0x22) throw new NotJson();
				const isKey = this.state === 'key';
				this.state = isKey ? 'colon' : 'afterValue';
				const long = this.readString(isKey);
				if (long) return long;
			} else if (code === 0x7b || code === 0x5b) {
				if (++this.objects > MAX_ANSWER_OBJECTS) return 'tooManyObjects';
				this.open(code === 0x5b);
			} else {
				this.attach(this.readScalar(code));
				this.state = 'afterValue';
			}
		}
	}

	/** The caller's decoded and masked long string, where readString left off. */
	took(value: string, isKey: boolean): void {
		if (isKey) this.keys[this.keys.length - 1] = value;
		else this.attach(value);
	}

	private skipWhitespace(): void {
		const text = this.text;
		let code = text.charCodeAt(this.at);
		while (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) code = text.charCodeAt(++this.at);
	}

	private open(isArray: boolean): void {
		this.at++;
		const depth = this.containers.length;
		let container: Container | null = null;
		if (depth < MAX_DEPTH) {
			container = isArray ? [] : {};
			this.attach(container);
		} else if (this.containers[depth - 1] !== null) {
			this.attach(TOO_DEEP);
		}
		this.containers.push(container);
		this.isArray.push(isArray);
		this.keys.push('');
		this.skipWhitespace();
		if (this.text.charCodeAt(this.at) === (isArray ? 0x5d : 0x7d)) {
			this.at++;
			this.close();
		} else {
			this.state = isArray ? 'value' : 'key';
		}
	}

	private close(): void {
		this.containers.pop();
		this.isArray.pop();
		this.keys.pop();
		this.state = 'afterValue';
	}

	/** The one rule for keys from outside: own properties only, and no "__proto__". */
	private attach(value: unknown): void {
		const depth = this.containers.length;
		if (depth === 0) {
			this.root = value;
			return;
		}
		const container = this.containers[depth - 1];
		if (container === null) return;
		if (this.isArray[depth - 1]) (container as unknown[]).push(value);
		else if (this.keys[depth - 1] !== '__proto__') (container as Record<string, unknown>)[this.keys[depth - 1]] = value;
	}

	/** Reads the string that starts at its quote; one longer than a slice is left to the caller. */
	private readString(isKey: boolean): LongString | undefined {
		const start = this.at + 1;
		const end = this.stringEnd(start, start + SLICE_CHARS);
		if (end === -1) return { start, isKey };
		const escaped = this.endString(start, end);
		const raw = escaped ? (JSON.parse(this.text.slice(start - 1, end + 1)) as string) : this.text.slice(start, end);
		this.took(this.mask(raw), isKey);
		return undefined;
	}

	/** The closing quote of the current string if it is at or after `from` and before `limit`; else -1. */
	stringEnd(from: number, limit: number): number {
		const text = this.text;
		for (let quote = text.indexOf('"', from); ; quote = text.indexOf('"', quote + 1)) {
			if (quote === -1) throw new NotJson();
			if (quote >= limit) return -1;
			let backslashes = 0;
			while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
			if (backslashes % 2 === 0) return quote;
		}
	}

	/** Moves past the string text[start, end) and tells whether it holds an escape. */
	endString(start: number, end: number): boolean {
		this.at = end + 1;
		if (this.nextBackslash < start && this.nextBackslash !== Infinity) {
			const found = this.text.indexOf('\\', start);
			this.nextBackslash = found === -1 ? Infinity : found;
		}
		return this.nextBackslash < end;
	}

	private readScalar(code: number): unknown {
		const word = WORDS.get(code);
		if (word) {
			if (!this.text.startsWith(word[0], this.at)) throw new NotJson();
			this.at += word[0].length;
			return word[1];
		}
		NUMBER.lastIndex = this.at;
		if (!NUMBER.test(this.text)) throw new NotJson();
		const start = this.at;
		this.at = NUMBER.lastIndex;
		return Number(this.text.slice(start, this.at));
	}
}
