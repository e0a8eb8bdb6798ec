import { describe, expect, it } from 'vitest';
import { psArgsAllowedForViewers } from './ps-args.js';

describe('psArgsAllowedForViewers', () => {
  it.each([
    '-ef',
    '-e -f',
    'aux',
    'auxww',
    '-eLf',
    '-A',
    '-o pid,comm',
    '-eo pid,user,args',
    '-opid,comm',
    'axo pid,%cpu,%mem,comm',
    '-o pid=PID,comm=NAME',
    '--format pid,etime',
    '--format=pid,rss,vsz',
    '',
  ])('allows %j', (psArgs) => {
    expect(psArgsAllowedForViewers(psArgs)).toBe(true);
  });

  it.each([
    // The environment of every process.
    'e',
    'auxe',
    'aux e',
    'eww',
    'axe',
    '-ef e',
    'E',
    // Format keywords that are not known safe (environ, or anything unknown).
    '-o pid,environ',
    '-eo pid,env',
    'o pid,environ',
    '-o',
    '-o pid,,comm',
    '--format=pid,environ',
    '--format',
    // Unknown options, long options, a lone dash.
    '-Z',
    '--cols=200',
    '-',
    'aux -ef -X',
  ])('refuses %j', (psArgs) => {
    expect(psArgsAllowedForViewers(psArgs)).toBe(false);
  });
});
