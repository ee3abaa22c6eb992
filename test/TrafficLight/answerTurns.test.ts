// Reading an answer never holds the event loop: other executions, timers and
// sockets of the same n8n get a turn at least every few ms, whatever the
// answer's shape, up to its size cap. Not in untrustedAnswers.test.ts: that file
// replaces n8n's sleep, through which the reader lets the event loop run.
import { MAX_ANSWER_BYTES, MAX_FEED_RANGE_BYTES } from '../../nodes/TrafficLight/transport/boundedBody';
import { secretMasker } from '../../nodes/TrafficLight/transport/secretMask';
import { classifyAnswer } from '../../nodes/TrafficLight/transport/answer';
import { DEFAULT_KEY } from '../../scripts/lib/trafficLightMock';
import { longestTurnMs } from '../helpers/eventLoopTurns';

/** The bound for one turn; the reader aims at a fifth of it. */
const MAX_TURN_MS = 50;

/** `unit` repeated to fill `bytes` inside `open` … `close`; read back as a flat string, as the node reads a body. */
function fill(open: string, unit: string, close: string, bytes: number): string {
	const count = Math.floor((bytes - open.length - close.length - unit.length) / unit.length);
	return Buffer.from(`${open}${unit.repeat(count)}${unit.replace(/,$/, '')}${close}`).toString('utf8');
}

const mask = secretMasker(DEFAULT_KEY);

describe('no answer up to its cap holds the event loop', () => {
	it('a 16 MB date-range feed of tiny rows ([{},{},…]) is refused for its row count, in short turns', async () => {
		const feed = fill('{"count":1,"leads":[', '{},', ']}', MAX_FEED_RANGE_BYTES);
		let result: unknown;
		const longest = await longestTurnMs(async () => {
			result = await classifyAnswer(200, feed, mask);
		}, MAX_TURN_MS);
		expect(result).toMatchObject({ ok: false, failure: { kind: 'tooManyObjects', maxObjects: 200_000 } });
		expect(longest).toBeLessThan(MAX_TURN_MS);
	}, 60_000);

	it('a 1 MB send answer of small objects is read in short turns', async () => {
		const answer = fill('{"id":5,"x":[', '{"a":1},', ']}', MAX_ANSWER_BYTES);
		let result: unknown;
		const longest = await longestTurnMs(async () => {
			result = await classifyAnswer(200, answer, mask);
		}, MAX_TURN_MS);
		expect(result).toMatchObject({ ok: true, body: { id: 5 } });
		expect(longest).toBeLessThan(MAX_TURN_MS);
	}, 60_000);

	it('a 16 MB string full of the key (upper-cased) is masked in short turns', async () => {
		const answer = fill('{"id":5,"echo":"', `${DEFAULT_KEY.toUpperCase()} `, '"}', MAX_FEED_RANGE_BYTES);
		let result: { ok: boolean; body?: { echo?: string } } = { ok: false };
		const longest = await longestTurnMs(async () => {
			result = (await classifyAnswer(200, answer, mask)) as typeof result;
		}, MAX_TURN_MS);
		expect(result.body?.echo?.startsWith('*** *** ***')).toBe(true);
		expect(result.body?.echo).not.toMatch(new RegExp(DEFAULT_KEY, 'i'));
		expect(longest).toBeLessThan(MAX_TURN_MS);
	}, 60_000);

	it('a 16 MB string of escapes is decoded in short turns', async () => {
		const answer = fill('{"id":5,"echo":"', '\\"', '"}', MAX_FEED_RANGE_BYTES);
		let result: { ok: boolean; body?: { echo?: string } } = { ok: false };
		const longest = await longestTurnMs(async () => {
			result = (await classifyAnswer(200, answer, mask)) as typeof result;
		}, MAX_TURN_MS);
		expect(result.body?.echo).toBe('"'.repeat((answer.length - 18) / 2));
		expect(longest).toBeLessThan(MAX_TURN_MS);
	}, 60_000);
});
