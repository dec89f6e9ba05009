/* global process */
import Sequencer from '@jest/test-sequencer';

/**
 * The files that take longest start first (issue 32: with files side by side, a 3-minute contract file
 * started last is the run's tail). Before any timing is cached — every CI run is a fresh clone — jest would
 * order by file size; these few are known to take minutes. The rest keeps jest's order (failed first,
 * then the longest by the last run's timings, then the largest).
 */
const LONGEST_FIRST = [
  'test/contract/',
  'test/web/journeys.test.ts',
  'test/web/feedback-and-supervision.test.ts',
  'test/web/operations.test.ts',
  'test/local/platform-start.test.ts',
  'test/workflows/replay.test.ts',
  'test/web/data-store.test.ts',
  'test/web/payments.test.ts',
  'test/web/portal.test.ts',
];

export default class LongestFirst extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const rank = (t) => {
      const path = t.path.slice(process.cwd().length + 1);
      const i = LONGEST_FIRST.findIndex((p) => path.startsWith(p));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
