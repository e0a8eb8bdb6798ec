import { describe, expect, it } from 'vitest';
import { redactJob, redactJobEvent } from './job-events.js';

const failure = 'The build failed at step 2: exit 1\nStep 2/3 : ENV TOKEN=s3cret\n ---> Running in 1f2e\nStep 3/3 : ARG KEY=k3y';

describe('job redaction for viewers', () => {
  it("redacts a failed build's error as its log: ENV and ARG values, line by line", () => {
    const redacted = redactJob({ id: 'j1', error: failure });
    expect(redacted.error).toBe(
      'The build failed at step 2: exit 1\nStep 2/3 : ENV TOKEN=<redacted>\n ---> Running in 1f2e\nStep 3/3 : ARG KEY=<redacted>',
    );
    expect(redactJob({ id: 'j2', error: null })).toEqual({ id: 'j2', error: null });
  });

  it('redacts the error of a status event and the line of an output event; progress is left as it is', () => {
    const status = redactJobEvent({ id: 1, at: 't', type: 'status', status: 'failed', error: failure });
    expect(JSON.stringify(status)).not.toMatch(/s3cret|k3y/);
    expect(redactJobEvent({ id: 2, at: 't', type: 'output', line: 'Step 1/2 : ENV A=b' })).toMatchObject({
      line: 'Step 1/2 : ENV A=<redacted>',
    });
    const progress = { id: 3, at: 't', type: 'progress' as const, progress: { percent: 5, currentBytes: 1, totalBytes: 2, layers: [] } };
    expect(redactJobEvent(progress)).toBe(progress);
  });
});
