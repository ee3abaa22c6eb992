import { sleep } from 'n8n-workflow';

/** How long the node works on one answer before it lets timers, sockets and other executions run. */
const TURN_MS = 10;

/**
 * Splits long work on an answer into short turns of the event loop. Call `due()`
 * now and then (it reads the clock); when it says so, `await pause()`.
 */
export class EventLoopTurns {
	private startedAt = Date.now();

	due(): boolean {
		return Date.now() - this.startedAt >= TURN_MS;
	}

	async pause(): Promise<void> {
		await sleep(0);
		this.startedAt = Date.now();
	}
}
