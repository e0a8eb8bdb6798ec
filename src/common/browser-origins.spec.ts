import type { INestApplication } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { allowBrowserOrigins } from './browser-origins.js';

describe('allowBrowserOrigins', () => {
  const appSpy = () => {
    const calls: string[] = [];
    const app = { use: () => calls.push('use'), enableCors: () => calls.push('enableCors') } as unknown as INestApplication;
    return { app, calls };
  };

  it('enables nothing without origins: no CORS header at all by default', () => {
    const { app, calls } = appSpy();
    allowBrowserOrigins(app, []);
    expect(calls).toEqual([]);
  });

  it('enables CORS (and Vary: Origin) when origins are set', () => {
    const { app, calls } = appSpy();
    allowBrowserOrigins(app, ['https://dash.example.com']);
    expect(calls).toEqual(['use', 'enableCors']);
  });
});
