import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiProblems } from '../common/openapi.js';
import { Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProblemException } from '../common/problem.js';
import type { LogLine } from '../docker/log-lines.js';
import type { LogSnapshot } from './containers.service.js';
import { LogLineDto } from './dto/log-line.dto.js';

export type LogFormat = 'json' | 'ndjson' | 'text';

const FORMAT_BY_TYPE: Record<string, LogFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'text/plain': 'text',
};

export const LOG_CONTENT_TYPES: Record<LogFormat, string> = {
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

/**
 * LogLine objects → bytes of one format, one line at a time, so a snapshot of any size streams:
 * `json` is one array written element by element, `ndjson` one object a line, `text` what
 * `docker logs` prints (with `-t`, the timestamp first).
 */
export class LogLineFormatter extends Transform {
  private count = 0;

  constructor(private readonly format: LogFormat) {
    super({ writableObjectMode: true });
  }

  override _transform(line: LogLine, _encoding: BufferEncoding, done: TransformCallback): void {
    this.count += 1;
    switch (this.format) {
      case 'json':
        done(null, `${this.count === 1 ? '[' : ','}\n${JSON.stringify(line)}`);
        return;
      case 'ndjson':
        done(null, `${JSON.stringify(line)}\n`);
        return;
      case 'text':
        done(null, `${line.ts ? `${line.ts} ` : ''}${line.line}\n`);
        return;
    }
  }

  override _flush(done: TransformCallback): void {
    done(null, this.format === 'json' ? (this.count === 0 ? '[]\n' : '\n]\n') : undefined);
  }
}

/**
 * Answers a log snapshot in the format the client accepts (406 before the engine is asked when
 * it accepts none). Each stage waits for the next one to drain: a slow client pauses the engine.
 */
export async function sendLogs(request: Request, response: Response, open: () => Promise<LogSnapshot>): Promise<void> {
  const type = request.accepts(Object.keys(FORMAT_BY_TYPE));
  if (!type) throw new ProblemException(406, 'NOT_ACCEPTABLE', `Logs come as ${Object.keys(FORMAT_BY_TYPE).join(', ')}.`);
  const format = FORMAT_BY_TYPE[type];
  const snapshot = await open();
  response.status(200).setHeader('Content-Type', LOG_CONTENT_TYPES[format]);
  response.setHeader('Cache-Control', 'no-store');
  if (format === 'text') response.setHeader('Content-Disposition', `attachment; filename="${snapshot.containerName}-logs.txt"`);
  await pipeline(snapshot.lines, new LogLineFormatter(format), response).catch(() => {
    // Headers are out; a broken engine stream or a client that left can only end the response.
    snapshot.lines.destroy();
    response.destroy();
  });
}

/** The answers of a log snapshot route (a container's, a service's): the three media types, 406 for any other. */
export const ApiLogSnapshot = (of: 'container' | 'service') =>
  applyDecorators(
    ApiExtraModels(LogLineDto),
    ApiProduces('application/json', 'application/x-ndjson', 'text/plain'),
    ApiOkResponse({
      description: 'The log lines: a JSON array (the default), or as a stream of lines in the other media types',
      content: {
        'application/json': { schema: { type: 'array', items: { $ref: getSchemaPath(LogLineDto) } } },
        // Not a schema of its own: a generated client reads it as text, one LogLineDto per line.
        'application/x-ndjson': { schema: { type: 'string', description: 'Newline-delimited JSON: one LogLineDto per line.' } },
        'text/plain': {
          schema: { type: 'string', description: `The log text, as \`docker ${of === 'service' ? 'service ' : ''}logs\` prints it.` },
        },
      },
      headers: {
        'Content-Disposition': {
          description: `With \`Accept: text/plain\`: \`attachment; filename="<${of}>-logs.txt"\`.`,
          schema: { type: 'string' },
        },
      },
    }),
    ApiProblems({ 406: ['NOT_ACCEPTABLE'] }),
  );
