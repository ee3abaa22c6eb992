import type { INodeProperties } from 'n8n-workflow';

import { buildLeadForm, isIpv4, isIpv6, OPTIONAL_LEAD_FIELDS, type LeadFieldSpec, type LeadInput } from '../../nodes/TrafficLight/leadRules';

const valid: LeadInput = { offerId: '1234', phone: '+7 (999) 123-45-67', country: 'RU', additionalFields: {} };

function problemOf(input: Partial<LeadInput>) {
	const result = buildLeadForm({ ...valid, ...input });
	if (result.ok) throw new Error(`expected a problem, got form ${JSON.stringify(result.form)}`);
	return result.problem;
}

describe('buildLeadForm: required fields', () => {
	it('builds the minimal form with the defaults Traffic Light expects', () => {
		const result = buildLeadForm(valid);
		expect(result).toEqual({
			ok: true,
			form: {
				offer_id: '1234',
				phone: '+7 (999) 123-45-67',
				country: 'RU',
				ip_address: '0.0.0.0',
				tz: '3',
				web_id: '0',
			},
		});
	});

	it.each([
		['offerId', '', 'Offer ID', /Offer ID is empty/],
		['offerId', '   ', 'Offer ID', /Offer ID is empty/],
		['offerId', 'Slim Tea', 'Offer ID', /"Slim Tea" is not a positive whole number/],
		['offerId', '0', 'Offer ID', /not a positive whole number/],
		['offerId', '12.5', 'Offer ID', /not a positive whole number/],
		['phone', '', 'Phone', /Phone is empty/],
		['phone', undefined, 'Phone', /Phone is empty/],
		['phone', 'call me', 'Phone', /"call me" contains no digits/],
		['country', '', 'Country', /Country is empty/],
		['country', 'Russia', 'Country', /"Russia" is not an ISO 3166-1 code/],
		['country', 'R', 'Country', /not an ISO 3166-1 code/],
		['country', 'RU1', 'Country', /not an ISO 3166-1 code/],
	])('%s = %j is refused, naming the field and the value', (field, value, named, message) => {
		const problem = problemOf({ [field]: value });
		expect(problem.field).toBe(named);
		expect(problem.message).toMatch(message);
		expect(problem.fix.length).toBeGreaterThan(20);
	});

	it('accepts ISO3 and lower case, sends upper case', () => {
		const result = buildLeadForm({ ...valid, country: 'kaz' });
		expect(result.ok && result.form.country).toBe('KAZ');
	});

	it('accepts a numeric offer id from an expression', () => {
		const result = buildLeadForm({ ...valid, offerId: 77 });
		expect(result.ok && result.form.offer_id).toBe('77');
	});
});

describe('buildLeadForm: optional fields', () => {
	it('maps every optional field to its Traffic Light form name', () => {
		const additionalFields: Record<string, string | number> = {};
		for (const spec of OPTIONAL_LEAD_FIELDS) additionalFields[spec.param] = spec.rule?.kind === 'wholeNumber' ? 5 : `v-${spec.param}`;
		additionalFields.ipAddress = '203.0.113.7';
		additionalFields.email = 'anna@example.com';
		const result = buildLeadForm({ ...valid, additionalFields });
		if (!result.ok) throw new Error(result.problem.message);
		expect(result.form).toEqual({
			offer_id: '1234',
			phone: '+7 (999) 123-45-67',
			country: 'RU',
			id: 'v-leadId',
			stream_hid: 'v-streamId',
			ip_address: '203.0.113.7',
			name: 'v-name',
			comments: 'v-comments',
			address: 'v-address',
			tz: '5',
			web_id: 'v-webmasterId',
			email: 'anna@example.com',
			user_agent: 'v-userAgent',
			utm_source: 'v-utmSource',
			utm_medium: 'v-utmMedium',
			utm_campaign: 'v-utmCampaign',
			utm_content: 'v-utmContent',
			utm_term: 'v-utmTerm',
			sub1: 'v-sub1',
			sub2: 'v-sub2',
			sub3: 'v-sub3',
			sub4: 'v-sub4',
			sub5: 'v-sub5',
			tech_comments: 'v-techComments',
		});
	});

	it('leaves out empty optional fields', () => {
		const result = buildLeadForm({ ...valid, additionalFields: { name: '', email: '  ', leadId: null } });
		expect(result.ok && Object.keys(result.form).sort()).toEqual(
			['country', 'ip_address', 'offer_id', 'phone', 'tz', 'web_id'].sort(),
		);
	});

	it('quotes a long value by its first 60 characters, the text shortener\'s "…" and its full length', () => {
		const phone = `abc${'-'.repeat(80)}`;
		expect(problemOf({ phone }).message).toBe(`Phone "${phone.slice(0, 60)}…" (83 characters) contains no digits`);
	});

	it.each(['utmSource', 'utmMedium', 'utmCampaign', 'utmContent', 'utmTerm', 'sub1', 'sub2', 'sub3', 'sub4', 'sub5', 'webmasterId'])(
		'%s over 100 characters is refused; exactly 100 passes',
		(param) => {
			expect(buildLeadForm({ ...valid, additionalFields: { [param]: 'x'.repeat(100) } }).ok).toBe(true);
			const problem = problemOf({ additionalFields: { [param]: 'x'.repeat(101) } });
			expect(problem.message).toMatch(/longer than 100 characters/);
			expect(problem.message).toMatch(/\(101 characters\)/);
		},
	);

	it.each([
		[3, '3'],
		['-12', '-12'],
		['+5', '5'],
		[14, '14'],
		[0, '0'],
	])('time zone %j is sent as %s', (tz, sent) => {
		const result = buildLeadForm({ ...valid, additionalFields: { timezone: tz } });
		expect(result.ok && result.form.tz).toBe(sent);
	});

	it.each([3.5, '3.5', -13, 15, 'MSK', 'UTC+3'])('time zone %j is refused', (tz) => {
		const problem = problemOf({ additionalFields: { timezone: tz } });
		expect(problem.field).toBe('Time Zone');
		expect(problem.message).toMatch(/whole number of hours between -12 and 14/);
	});

	it.each(['203.0.113.7', '0.0.0.0', '255.255.255.255', '2001:db8::1', '::1', '::', 'fe80::1%eth0', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4'])(
		'IP %s is accepted',
		(ip) => {
			const result = buildLeadForm({ ...valid, additionalFields: { ipAddress: ip } });
			expect(result.ok && result.form.ip_address).toBe(ip);
		},
	);

	it.each(['256.1.1.1', '1.2.3', '01.2.3.4', 'localhost', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '::1.2.3.4:5', '1.2.3.4::', ':1'])(
		'IP %s is refused',
		(ip) => {
			const problem = problemOf({ additionalFields: { ipAddress: ip } });
			expect(problem.field).toBe('IP Address');
			expect(problem.message).toContain(ip);
		},
	);
});

describe('field rules come from the LeadFieldSpec table', () => {
	it('holds a number field other than Time Zone to its own range, in validation and in the editor', () => {
		const quantity: LeadFieldSpec = {
			param: 'quantity',
			formField: 'qty',
			displayName: 'Quantity',
			description: 'How many items were ordered',
			rule: { kind: 'wholeNumber', min: 1, max: 99, unit: 'items', fix: 'Use 1 to 99.' },
		};
		jest.isolateModules(() => {
			// A fresh copy of the module, so the added row reaches validation and the editor alike and no other test sees it.
			const rules = require('../../nodes/TrafficLight/leadRules') as typeof import('../../nodes/TrafficLight/leadRules');
			(rules.OPTIONAL_LEAD_FIELDS as LeadFieldSpec[]).push(quantity);
			const build = rules.buildLeadForm;
			const sent = build({ ...valid, additionalFields: { quantity: '+42', timezone: 14 } });
			expect(sent.ok && [sent.form.qty, sent.form.tz]).toEqual(['42', '14']);
			const refused = build({ ...valid, additionalFields: { quantity: 0 } });
			expect(!refused.ok && refused.problem).toEqual({
				field: 'Quantity',
				message: 'Quantity "0" is not a whole number of items between 1 and 99',
				fix: 'Use 1 to 99.',
			});

			const { TrafficLight } = require('../../nodes/TrafficLight/TrafficLight.node') as typeof import('../../nodes/TrafficLight/TrafficLight.node');
			const additional = new TrafficLight().description.properties.find((p) => p.name === 'additionalFields');
			const bounds = (name: string) => additional?.options?.find((o) => 'name' in o && o.name === name) as INodeProperties;
			expect(bounds('quantity').typeOptions).toEqual({ minValue: 1, maxValue: 99, numberPrecision: 0 });
			expect(bounds('timezone').typeOptions).toEqual({ minValue: -12, maxValue: 14, numberPrecision: 0 });
		});
	});
});

describe('IP helpers', () => {
	it('tell IPv4 from IPv6', () => {
		expect(isIpv4('10.0.0.1')).toBe(true);
		expect(isIpv6('10.0.0.1')).toBe(false);
		expect(isIpv6('2001:0db8:0000:0000:0000:ff00:0042:8329')).toBe(true);
		expect(isIpv4('2001:db8::1')).toBe(false);
	});
});
