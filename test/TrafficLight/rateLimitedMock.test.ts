import { DEFAULT_KEY, TrafficLightMock } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	await mock.stop();
});

async function sendLead(id: string): Promise<{ status: number; retryAfter: string | null; body: string }> {
	const res = await fetch(`${mock.baseUrl}/api/lead/send`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ key: DEFAULT_KEY, offer_id: '1', phone: '+79990000000', country: 'RU', id: id }).toString(),
	});
	return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

describe('Traffic Light mock: rate-limited mode', () => {
	it('refuses what exceeds `perSecond` with 429 and a Retry-After, and stores no lead for it', async () => {
		mock.setMode({ kind: 'rateLimited', perSecond: 3 });
		const answers = [];
		for (let i = 0; i < 5; i++) answers.push(await sendLead(`id-${i}`));
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
		expect(answers.slice(3).map((a) => a.retryAfter)).toEqual(['1', '1']);
		expect(mock.leads.map((l) => l.id2)).toEqual(['id-0', 'id-1', 'id-2']);
		expect(mock.requestsTo('send')).toHaveLength(5);
		expect(mock.refused).toEqual({ total: 2, 429: 2 });
	});

	it('accepts again once the last second has room', async () => {
		await mock.stop();
		let now = 0;
		mock = await new TrafficLightMock({ now: () => now }).start();
		mock.setMode({ kind: 'rateLimited', perSecond: 1 });
		expect((await sendLead('a')).status).toBe(200);
		now = 999;
		expect((await sendLead('b')).status).toBe(429);
		now = 1000;
		expect((await sendLead('b')).status).toBe(200);
		expect(mock.leads.map((l) => l.id2)).toEqual(['a', 'b']);
	});

	it('refuses what exceeds `maxInFlight` while the earlier requests are unanswered; 503 and a fixed Retry-After when asked', async () => {
		mock.setMode({ kind: 'rateLimited', maxInFlight: 2, delayMs: 200, status: 503, retryAfterSeconds: 7 });
		const answers = await Promise.all(['a', 'b', 'c', 'd'].map(async (id, i) => {
			await new Promise((resolve) => setTimeout(resolve, i * 20));
			return await sendLead(id);
		}));
		expect(answers.map((a) => a.status)).toEqual([200, 200, 503, 503]);
		expect(answers[2].retryAfter).toBe('7');
		expect(answers[2].body).toContain('Service Unavailable');
		expect((await sendLead('c')).status).toBe(200);
		expect(mock.leads.map((l) => l.id2)).toEqual(['a', 'b', 'c']);
	});

	it('limits only the chosen route; reset() forgets the load', async () => {
		mock.setMode({ kind: 'rateLimited', perSecond: 1 });
		await sendLead('a');
		const feed = await fetch(`${mock.baseUrl}/api/lead/feed?key=${DEFAULT_KEY}&id2[]=a`);
		expect(feed.status).toBe(200);
		expect((await sendLead('b')).status).toBe(429);
		mock.reset();
		expect(mock.refused).toEqual({ total: 0 });
		expect((await sendLead('b')).status).toBe(200);
	});
});
