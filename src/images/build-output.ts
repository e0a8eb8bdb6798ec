import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { streamFailure } from '../docker/engine-errors.js';
import { JsonLines } from '../docker/json-lines.js';
import type { JobContext } from '../jobs/job-types.js';
import { JOB_OUTPUT_LINE_MAX } from '../jobs/jobs.service.js';

/** One message of the classic builder's output. */
interface BuildMessage {
  stream?: string;
  status?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * A line's text so far, kept to one character more than a job keeps of a line (it then marks the line cut): a RUN
 * that prints hundreds of MB without a newline arrives in small messages, and joining each to all before it would
 * take time and memory that grow with the square of the line.
 */
function joined(partial: string, more: string): string {
  return partial.length > JOB_OUTPUT_LINE_MAX ? partial : (partial + more).slice(0, JOB_OUTPUT_LINE_MAX + 1);
}

/** Lines of the current step kept for the error of a failed build (the step's output, bounded). */
const MAX_STEP_LINES = 50;

export interface BuildResult {
  id: string;
}

/**
 * Reads a build's JSON lines to the end: each line of text becomes a job output line (text is
 * cut into lines here: the engine splits it anywhere), the image id comes from `aux`, and an
 * error fails the build with the engine's message and the failing step's output.
 */
export async function readBuildOutput(hostId: string, stream: Readable, context: Pick<JobContext, 'output'>): Promise<BuildResult> {
  let id: string | undefined;
  let failure: string | undefined;
  let partial = '';
  let step: string[] = [];
  const line = (text: string) => {
    if (/^Step \d+\/\d+ :/.test(text)) step = [];
    step.push(text);
    if (step.length > MAX_STEP_LINES) step.shift();
    context.output(text);
  };
  await pipeline(stream, new JsonLines(), async (messages: AsyncIterable<BuildMessage>) => {
    for await (const message of messages) {
      if (typeof message.stream === 'string') {
        const pieces = message.stream.split('\n');
        const rest = pieces.pop()!;
        for (const piece of pieces) {
          line(joined(partial, piece));
          partial = '';
        }
        partial = joined(partial, rest);
      } else if (typeof message.status === 'string') line(message.status);
      if (typeof message.aux?.ID === 'string') id = message.aux.ID;
      const error = message.errorDetail?.message ?? message.error;
      if (error) failure ??= error;
    }
  });
  if (partial) line(partial);
  if (failure) throw streamFailure(hostId, failure, step.join('\n'));
  // A stream that ended without an id or an error was cut: the image is not there.
  if (!id) throw streamFailure(hostId, 'the build ended without an image id');
  return { id };
}
