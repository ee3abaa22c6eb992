'use strict';
// Realistic Klientiks webhook calls: what Klientiks sends when the user pastes
// the trigger's query line for an event into «Адрес запроса» — Cyrillic names
// with spaces, phones typed by hand, money with a comma. Used by the e2e suite,
// by `npm start` (the printed curl line) and by `npm run demo`.
//
// Keys follow nodes/KlientiksTrigger/presets.ts (the `event=` marker first).

/** The secret token `npm start` configures; the e2e suite uses its own. */
const DEMO_TOKEN = 'demo-secret-token-change-me';

/**
 * One realistic parameter set per event preset. `n` makes ids unique per call.
 * @param {string} event
 * @param {number} [n]
 * @returns {Array<[string, string]>}
 */
function eventParams(event, n = 1) {
	const id = (base) => String(base + n);
	switch (event) {
		case 'appointment_created':
			return [
				['event', 'appointment_created'],
				['client_id', id(6439300)],
				['client_phone', '+7 (999) 123-45-67'],
				['client_name', 'Анна Сергеевна Иванова'],
				['appointment_id', id(918200)],
				['appointment_date', '2026-12-03'],
				['appointment_time', '14:30'],
				['executor_name', 'Мария Петрова'],
				['executor_phone', '+7 (916) 555-12-34'],
				['services', 'Стрижка женская, Окрашивание в один тон'],
				['appointment_total_cost', '3 500,00'],
				['user_position', 'Стилист'],
			];
		case 'client_added':
			return [
				['event', 'client_added'],
				['client_id', id(7100000)],
				['client_phone', '8 (912) 345-67-89'],
				['client_name', 'Пётр Ильич Чайковский'],
				['client_first_name', 'Пётр'],
				['client_patron_name', 'Ильич'],
				['client_second_name', 'Чайковский'],
				['client_deleted', '0'],
				['client_email', 'petr.ch@example.ru'],
			];
		case 'invoice_created':
			return [
				['event', 'invoice_created'],
				['client_id', id(6439500)],
				['client_name', 'Ольга Николаевна Смирнова'],
				['client_phone', '+7 (903) 765-43-21'],
				['invoice_id', id(55000)],
				['appointment_id', id(918500)],
				['appointment_amount', '4 200,50'],
				['appointment_paid', '0'],
				['appointment_name', 'Счёт за визит'],
				['appointment_description', 'Маникюр и педикюр, мастер Елена'],
				['appointment_paid_sum', '0'],
				['appointment_left_to_pay', '4 200,50'],
			];
		case 'visit_paid':
			return [
				['event', 'visit_paid'],
				['client_id', id(6439700)],
				['client_name', 'Елена Викторовна Кузнецова'],
				['client_phone', '+7 905 555-00-11'],
				['appointment_id', id(3300000)],
				['appointment_account_id', '21947'],
				['appointment_created', '2026-12-01 10:15:00.123456'],
				['appointment_appointment_id', id(918700)],
				['appointment_status', 'finished'],
				['appointment_paid', '1'],
			];
		default:
			throw new Error(`no sample for event ${event}`);
	}
}

const EVENTS = ['appointment_created', 'client_added', 'invoice_created', 'visit_paid'];

/** UTF-8 percent-encoding, spaces as %20 (what a URL template engine produces). */
function encodeUtf8(pairs) {
	return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** Windows-1251 bytes of a string (Cyrillic, ASCII, «»№ and a few others). */
function cp1251Bytes(text) {
	const bytes = [];
	for (const ch of text) {
		const code = ch.codePointAt(0);
		if (code < 0x80) bytes.push(code);
		else if (code >= 0x410 && code <= 0x44f) bytes.push(code - 0x410 + 0xc0);
		else if (ch === 'Ё') bytes.push(0xa8);
		else if (ch === 'ё') bytes.push(0xb8);
		else if (ch === '№') bytes.push(0xb9);
		else if (ch === '«') bytes.push(0xab);
		else if (ch === '»') bytes.push(0xbb);
		else throw new Error(`no cp1251 byte for ${ch}`);
	}
	return bytes;
}

/** Percent-encodes cp1251 bytes, spaces as '+' (what PHP's urlencode of cp1251 text gives). */
function encodeCp1251(pairs) {
	const enc = (text) =>
		cp1251Bytes(text)
			.map((b) => (b === 0x20 ? '+' : /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
			.join('');
	return pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

/**
 * A full URL for one call; `token` appended last, as the user adds it to the template.
 * @param {string} webhookUrl
 * @param {Array<[string, string]>} pairs
 * @param {{token?: string, encoding?: 'utf-8'|'windows-1251'|string}} [options]
 */
function callUrl(webhookUrl, pairs, { token, encoding = 'utf-8' } = {}) {
	const all = token === undefined ? pairs : [...pairs, ['token', token]];
	const query = encoding === 'windows-1251' ? encodeCp1251(all) : encodeUtf8(all);
	return `${webhookUrl}?${query}`;
}

/** The calls `npm run demo` sends: one of each event, with the demo token. */
function demoCalls(webhookUrl, token = DEMO_TOKEN) {
	return EVENTS.map((event) => ({ event, url: callUrl(webhookUrl, eventParams(event), { token }) }));
}

function curlLine(call) {
	return `curl -sS '${call.url}'`;
}

module.exports = { DEMO_TOKEN, EVENTS, eventParams, callUrl, demoCalls, curlLine, cp1251Bytes, encodeCp1251 };
