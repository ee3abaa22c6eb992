import { buildPasteLine, escapeNoticeText, noticeWithLine, pasteLineNotices } from '../../nodes/webhookIntake/senderTrigger';

describe('notices', () => {
	it('escapes text so the editor shows it literally', () => {
		expect(escapeNoticeText('a&not=1<b>')).toBe('a&amp;not=1&lt;b&gt;');
	});

	it('builds a query line from pairs, values as given', () => {
		expect(buildPasteLine([['event', 'x'], ['id', '{{id}}']])).toBe('?event=x&id={{id}}');
	});

	it('puts the line in a list item of its own', () => {
		expect(noticeWithLine('Lead:', '?a=1&b=2')).toBe('Lead:<ul><li>?a=1&amp;b=2</li></ul>');
	});

	it('gives two notices: the plain line when no token is set, the line with the placeholder otherwise', () => {
		const [plain, withToken] = pasteLineNotices('events', ['event', 'x'], 'X', [['id', '{{id}}']]);
		expect(plain).toMatchObject({
			name: 'pasteLine_x',
			type: 'notice',
			displayName: 'X:<ul><li>?event=x&amp;id={{id}}</li></ul>',
			displayOptions: { show: { events: ['x'], secretToken: [''] } },
		});
		expect(withToken).toMatchObject({
			name: 'pasteLineWithToken_x',
			type: 'notice',
			displayOptions: { show: { events: ['x'] }, hide: { secretToken: [''] } },
		});
		expect(withToken.displayName).toContain('?event=x&amp;token=YOUR_SECRET_TOKEN&amp;id={{id}}');
	});
});
