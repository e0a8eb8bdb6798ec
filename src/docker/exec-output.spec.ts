import { describe, expect, it } from 'vitest';
import { CappedOutput, MarkedStderr, killableCommand, shellMissing } from './exec-output.js';

describe('CappedOutput', () => {
  it('keeps the first maxBytes, counts the rest and says it cut', () => {
    const out = new CappedOutput(5);
    out.write(Buffer.from('abc'));
    out.write(Buffer.from('defgh'));
    out.write(Buffer.from('ij'));
    expect(out.text()).toBe('abcde');
    expect(out.totalBytes).toBe(10);
    expect(out.truncated).toBe(true);
  });

  it('is not truncated at exactly the cap', () => {
    const out = new CappedOutput(3);
    out.write(Buffer.from('abc'));
    expect(out.truncated).toBe(false);
  });
});

describe('MarkedStderr', () => {
  it('peels off the pid marker even when it arrives in pieces', () => {
    const out = new CappedOutput(100);
    const err = new MarkedStderr(out);
    err.write(Buffer.from('berth-exec-'));
    err.write(Buffer.from('pid:42\nreal error\n'));
    err.end();
    expect(err.pid).toBe(42);
    expect(out.text()).toBe('real error\n');
  });

  it('passes stderr through untouched when there is no marker', () => {
    const out = new CappedOutput(100);
    const err = new MarkedStderr(out);
    err.write(Buffer.from('no marker'));
    err.end();
    err.write(Buffer.from(' more'));
    expect(err.sawMarker).toBe(false);
    expect(out.text()).toBe('no marker more');
  });
});

describe('killable exec', () => {
  it('passes the arguments unchanged after the wrapper', () => {
    const cmd = killableCommand(['echo', '$HOME', 'a b']);
    expect(cmd.slice(0, 2)).toEqual(['sh', '-c']);
    expect(cmd.slice(3)).toEqual(['sh', 'echo', '$HOME', 'a b']);
  });

  it('tells a missing shell from a command that exits 127', () => {
    expect(shellMissing(126, false, 'exec: "sh": executable file not found in $PATH')).toBe(true);
    expect(shellMissing(127, true, '')).toBe(false);
    expect(shellMissing(0, false, '"sh"')).toBe(false);
  });
});
