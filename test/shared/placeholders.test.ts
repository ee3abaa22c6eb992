import { isUnfilledPlaceholder } from '../../nodes/webhookIntake/values';

describe('isUnfilledPlaceholder', () => {
	it.each(['{{client.phone}}', '{{ id }}', '{appointment.status}}', '{{appointment.status}', '{sub1}', ' {id2} ', '{{имя}}'])(
		'%j is an unfilled placeholder',
		(text) => {
			expect(isUnfilledPlaceholder(text)).toBe(true);
		},
	);

	it.each(['Иван', '{}', '{{}}', 'a {{b}}', '{{a}} b', '{"json": 1}', '{a b}', ''])('%j is data', (text) => {
		expect(isUnfilledPlaceholder(text)).toBe(false);
	});
});
