import { WarningList } from '../../nodes/webhookIntake/limits';
import { ParameterReader } from '../../nodes/webhookIntake/values';
import { readIncomingRequest } from '../../nodes/webhookIntake/webhookRequest';
import { acceptCall, ignoreCall, rejectCall } from '../../nodes/webhookIntake/webhookResponses';
import { fakeWebhookContext } from './webhookContext';

const read = (call: Parameters<typeof fakeWebhookContext>[0]) => readIncomingRequest(fakeWebhookContext(call).context);

describe('readIncomingRequest', () => {
	it('decodes the raw query string, not the pre-parsed one', () => {
		const request = read({
			query: 'name=%C8%E2%E0%ED',
			// What Node's querystring makes of cp1251: replacement characters.
			parsedQuery: { name: '\uFFFD\uFFFD\uFFFD\uFFFD' },
		});
		expect(request.values.get('name')).toEqual(['Иван']);
		expect(request.encoding).toBe('windows-1251');
	});

	it('reads a call without a URL as having no query, whatever the parsed query holds', () => {
		const request = read({ withoutUrl: true, parsedQuery: { a: 'Иван', b: ['1', '2'] } });
		expect([...request.values]).toEqual([]);
		expect(request.rawQuery).toBe('');
	});

	it('drops a "__proto__" parameter at every boundary, with a warning: values, encodings', () => {
		const request = read({ query: '__proto__=%D0%98&a=%C8&constructor=1' });
		expect([...request.values.keys()]).toEqual(['a', 'constructor']);
		expect(request.encoding).toBe('mixed');
		expect(Object.keys(request.encodings ?? {})).toEqual(['a']);
		expect(request.warnings.list()).toContain('The query string holds a "__proto__" parameter; it was left out.');
	});

	it('takes the method from the request', () => {
		expect(read({ method: 'post' }).method).toBe('POST');
	});

	it('removes the secret token from the values and from the raw query', () => {
		const request = read({ query: 'event=x&token=s3cr3t&a=1&tok%65n=again' });
		expect(request.values.has('token')).toBe(false);
		expect(request.rawQuery).toBe('event=x&a=1');
		expect(request.warnings.list()).toEqual([]);
		expect(JSON.stringify([...request.values])).not.toContain('s3cr3t');
	});

	it('merges a form body, decoded from its raw bytes, before the query (query wins on repeats)', () => {
		const request = read({
			method: 'POST',
			query: 'a=from-query',
			headers: { 'content-type': 'application/x-www-form-urlencoded; charset=windows-1251' },
			rawBody: Uint8Array.from([...Buffer.from('a=from-body&name='), 0xc8, 0xe2, 0xe0, 0xed]),
			body: { a: 'from-body', name: '\uFFFD\uFFFD\uFFFD\uFFFD' },
		});
		expect(request.values.get('a')).toEqual(['from-body', 'from-query']);
		expect(request.values.get('name')).toEqual(['Иван']);
		expect(request.encoding).toBe('windows-1251');
	});

	it('merges a JSON body as n8n parsed it', () => {
		const request = read({
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: { client_id: 5, deleted: false, nested: { x: 1 }, token: 'secret' },
		});
		expect(request.values.get('client_id')).toEqual([5]);
		expect(request.values.get('nested')).toEqual([{ x: 1 }]);
		expect(request.values.has('token')).toBe(false);
		expect(request.warnings.list()).toContainEqual("The body's token parameter was left out: the token is read from the URL query only.");
	});

	it('reads a text body as a query string', () => {
		const request = read({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'a=1&b=%D0%98' });
		expect(request.values.get('b')).toEqual(['И']);
	});

	it('ignores a body that is neither an object nor text, with a warning', () => {
		const request = read({ method: 'POST', body: [1, 2] });
		expect(request.values.size).toBe(0);
		expect(request.warnings.list()).toEqual(['The request body is not an object or form data; it was ignored.']);
	});

	it('collects decoding warnings from query and body', () => {
		const request = read({ query: 'a=%ZZ', method: 'POST', body: 'b=%' });
		expect(request.warnings.list()).toHaveLength(2);
	});
});

describe('ParameterReader', () => {
	const reader = (entries: Array<[string, unknown[]]>) => new ParameterReader(new Map(entries), new WarningList());

	it('returns the last value of a repeated parameter and warns once', () => {
		const r = reader([['a', ['1', '2']]]);
		expect(r.text('a')).toBe('2');
		expect(r.text('a')).toBe('2');
		expect(r.warnings).toEqual(['Parameter "a" was sent 2 times; the last value is used.']);
	});

	it('turns unfilled placeholders and non-plain values into null with warnings', () => {
		const r = reader([
			['p', ['{{client.phone}}']],
			['o', [{ x: 1 }]],
			['n', [5]],
			['b', [true]],
		]);
		expect(r.text('p')).toBeNull();
		expect(r.text('o')).toBeNull();
		expect(r.text('n')).toBe('5');
		expect(r.text('b')).toBe('true');
		expect(r.text('missing')).toBeNull();
		expect(r.warnings).toEqual([
			'Parameter "p" holds the unfilled placeholder {{client.phone}}; it was read as null.',
			'Parameter "o" is not a plain value; it was read as null.',
		]);
	});

	it('gives every parameter for the output: arrays for repeats, null for placeholders', () => {
		const r = reader([
			['a', ['1']],
			['b', ['1', '{sub1}']],
		]);
		expect(r.allParameters()).toEqual({ a: '1', b: ['1', null] });
		expect(r.warnings).toEqual(['Parameter "b" holds the unfilled placeholder {sub1}; it was read as null.']);
	});

});

describe('webhook responses', () => {
	it('accepts with one item and a small JSON answer', () => {
		expect(acceptCall({ a: 1 }, { event: 'x' })).toEqual({
			webhookResponse: { received: true, event: 'x' },
			workflowData: [[{ json: { a: 1 }, pairedItem: { item: 0 } }]],
		});
	});

	it('ignores without workflow data, so n8n starts no execution', () => {
		const result = ignoreCall('why');
		expect(result).toEqual({ webhookResponse: { received: true, ignored: true, reason: 'why' } });
		expect(result.workflowData).toBeUndefined();
	});

	it('rejects with 403 written on the response and tells n8n not to answer again', () => {
		const { context, response } = fakeWebhookContext({});
		expect(rejectCall(context, 'nope')).toEqual({ noWebhookResponse: true });
		expect(response.writeHead).toHaveBeenCalledWith(403, { 'Content-Type': 'application/json; charset=utf-8' });
		expect(JSON.parse(response.end.mock.calls[0][0])).toEqual({ received: false, error: 'nope' });
	});
});
