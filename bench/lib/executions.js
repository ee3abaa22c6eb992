'use strict';
// Reads executions back from n8n's public API (the harness created an API
// key), only those newer than a given id, so a run never pages through the
// thousands of executions earlier runs left in the database.

const RUNNING = new Set(['new', 'running', 'waiting', 'unknown']);

async function newestExecutionId(n8n) {
	const page = await n8n.publicApi('/executions?limit=1&includeData=false');
	return page.data.length ? Number(page.data[0].id) : 0;
}

/** Executions of `workflowId` with id > sinceId (newest first). */
async function executionsSince(n8n, workflowId, sinceId) {
	const out = [];
	let cursor = '';
	for (;;) {
		const page = await n8n.publicApi(
			`/executions?workflowId=${encodeURIComponent(workflowId)}&limit=250&includeData=false${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
		);
		let older = false;
		for (const execution of page.data) {
			if (Number(execution.id) > sinceId) out.push(execution);
			else older = true;
		}
		if (older || !page.nextCursor) return out;
		cursor = page.nextCursor;
	}
}

function isFinished(execution) {
	return !RUNNING.has(execution.status ?? (execution.finished ? 'success' : 'running')) && Boolean(execution.stoppedAt);
}

/**
 * Waits until `expected` executions newer than sinceId have finished, or
 * until nothing has changed for `stallMs` (then returns what there is, and
 * the caller reports the shortfall as a failed run).
 */
async function waitForFinished(n8n, workflowId, sinceId, expected, { stallMs = 60000, intervalMs = 500, onProgress } = {}) {
	let lastCount = -1;
	let lastChange = Date.now();
	for (;;) {
		const list = await executionsSince(n8n, workflowId, sinceId);
		const finished = list.filter(isFinished);
		if (finished.length >= expected && finished.length === list.length) return { list, finished, complete: true };
		if (finished.length !== lastCount) {
			lastCount = finished.length;
			lastChange = Date.now();
			onProgress?.(finished.length, list.length);
		} else if (Date.now() - lastChange > stallMs) {
			return { list, finished, complete: false };
		}
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

module.exports = { newestExecutionId, executionsSince, waitForFinished, isFinished };
