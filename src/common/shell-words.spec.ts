import { describe, expect, it } from 'vitest';
import { shellWords } from './shell-words.js';

describe('shellWords: a command line split like a shell, nothing expanded', () => {
  it.each([
    ['ls /', ['ls', '/']],
    ["sh -c 'echo hi; sleep 1'", ['sh', '-c', 'echo hi; sleep 1']],
    ['sh -c "echo hi && exit 3"', ['sh', '-c', 'echo hi && exit 3']],
    ['  httpd   -f  -p 80 ', ['httpd', '-f', '-p', '80']],
    ['echo $HOME', ['echo', '$HOME']],
    ['echo ${HOME}x $1 $$ $', ['echo', '${HOME}x', '$1', '$$', '$']],
    ['echo "$HOME and ${PATH:-none}"', ['echo', '$HOME and ${PATH:-none}']],
    ["echo '$HOME'", ['echo', '$HOME']],
    ['echo \\$HOME "\\$x"', ['echo', '$HOME', '$x']],
    ["echo '\\$x'", ['echo', '\\$x']],
    ["echo $'a b'", ['echo', '$a b']],
    ['echo a\\ b "c d"e', ['echo', 'a b', 'c de']],
    ['echo "it\'s" \'say "hi"\'', ['echo', "it's", 'say "hi"']],
    ['echo \\| \\; "&&" \'>\'', ['echo', '|', ';', '&&', '>']],
    ['ls *.txt /tmp/?', ['ls', '*.txt', '/tmp/?']],
    ['echo ""', ['echo', '']],
    ['', []],
  ])('%j → %j', (line, words) => {
    expect(shellWords(line)).toEqual(words);
  });

  it.each([
    ['ls | wc -l', /\| is shell syntax.*\["sh", "-c", "\.\.\."\]/],
    ['echo hi; echo ho', /; is shell syntax/],
    ['true && false', /&& is shell syntax/],
    ['echo hi > /tmp/x', /> is shell syntax/],
    ['sleep 1 &', /& is shell syntax/],
    ['echo hi # a comment', /comment/],
    ["echo 'unclosed", /single quote is not closed/],
    ['echo "unclosed', /double quote is not closed/],
    ['echo trailing\\', /ends with a backslash/],
    ['echo \0', /NUL/],
  ])('%j → %s', (line, problem) => {
    expect(shellWords(line)).toMatch(problem);
  });
});
