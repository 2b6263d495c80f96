import { runAutocannon } from './autocannon-runner.js';
import type { LoadOptions, LoadRequest, LoadResult } from './load-types.js';
import { hasWrk, runWrk } from './wrk.js';

/**
 * The load generator: wrk when installed (lighter on the CPU it shares with the server), else
 * autocannon. Either runs in its own process, never in the harness's event loop.
 */
export type LoadTool = 'wrk' | 'autocannon';

let chosen: LoadTool | undefined;

export function loadTool(): LoadTool {
  chosen ??= hasWrk() ? 'wrk' : 'autocannon';
  return chosen;
}

export function runLoad(request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  return loadTool() === 'wrk' ? runWrk(request, options) : runAutocannon(request, options);
}
