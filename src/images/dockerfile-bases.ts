/**
 * The base images a Dockerfile's `FROM` lines name, as the classic builder reads them: line
 * continuations (with the `# escape=` directive), `--platform=` and other flags, `AS name`,
 * earlier stages and `scratch` (no image), and `$VAR` / `${VAR}` / `${VAR:-word}` / `${VAR:+word}`
 * substituted from the ARGs declared before the first FROM, build arguments overriding their
 * defaults. A FROM that names a variable without a value is `unresolved`: what it pulls is unknown.
 * `COPY --from=` an image (not a stage) is a base too: the builder pulls it like a FROM.
 */
export interface DockerfileBases {
  refs: string[];
  unresolved: string[];
}

/** A parser directive line (`# escape=\``, `# syntax=...`, `# check=...`), as the engine's parser reads the head of a Dockerfile. */
const DIRECTIVE = /^#\s*(escape|syntax|check)\s*=\s*(.*?)\s*$/i;
const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** The Dockerfile's instructions, one string each: comments dropped, continuations joined. */
export function dockerfileInstructions(dockerfile: string): string[] {
  const lines = dockerfile.split(/\r?\n/);
  let escape = '\\';
  // Parser directives come first, before any comment, blank line or instruction; `syntax` and `check` may come before `escape`.
  for (const line of lines) {
    const directive = DIRECTIVE.exec(line.trim());
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape' && (directive[2] === '\\' || directive[2] === '`')) escape = directive[2];
  }
  // As engine 20.10's parser: the escape character, then only spaces and tabs (not any whitespace) to the end.
  const quoted = escape === '\\' ? '\\\\' : escape;
  const continuation = new RegExp(`${quoted}[ \\t]*$`);
  const instructions: string[] = [];
  let current = '';
  for (const line of lines) {
    // A comment line, also inside a continuation, is dropped.
    if (/^\s*#/.test(line)) continue;
    const continued = continuation.exec(line);
    if (continued) {
      current += `${line.slice(0, continued.index)} `;
      continue;
    }
    current += line;
    if (current.trim()) instructions.push(current.trim());
    current = '';
  }
  if (current.trim()) instructions.push(current.trim());
  return instructions;
}

/** Substitutes variables from `values`; undefined when one has no value (undeclared, or declared without one). */
export function substitute(word: string, values: ReadonlyMap<string, string | undefined>): string | undefined {
  let unresolved = false;
  const result = word.replace(
    VARIABLE,
    (_match, braced: string | undefined, operator: string | undefined, alternative = '', bare?: string) => {
      const value = values.get((braced ?? bare)!);
      if (operator === ':-') return value ? value : alternative;
      if (operator === ':+') return value ? alternative : '';
      if (value === undefined) unresolved = true;
      return value ?? '';
    },
  );
  return unresolved ? undefined : result;
}

export function dockerfileBases(dockerfile: string, buildArgs: Record<string, string> = {}): DockerfileBases {
  const globals = new Map<string, string | undefined>();
  const stages = new Set<string>();
  const refs: string[] = [];
  const unresolved: string[] = [];
  let seenFrom = false;
  for (const instruction of dockerfileInstructions(dockerfile)) {
    const [keyword, ...words] = instruction.split(/\s+/);
    const name = keyword.toUpperCase();
    if (name === 'ARG' && !seenFrom) {
      for (const word of words) {
        const equals = word.indexOf('=');
        const key = equals < 0 ? word : word.slice(0, equals);
        globals.set(key, Object.hasOwn(buildArgs, key) ? buildArgs[key] : equals < 0 ? undefined : unquote(word.slice(equals + 1)));
      }
      continue;
    }
    if (name === 'COPY') {
      // `COPY --from=<image>` (not a stage, nor a stage's index) makes the classic builder pull that image too: force-pulled with pull.
      const from = words.find((word) => /^--from=/i.test(word))?.slice('--from='.length);
      if (from === undefined || /^\d+$/.test(from) || stages.has(from.toLowerCase())) continue;
      const ref = substitute(from, globals);
      if (ref === undefined || ref === '') unresolved.push(from);
      else if (!stages.has(ref.toLowerCase()) && !refs.includes(ref)) refs.push(ref);
      continue;
    }
    if (name !== 'FROM') continue;
    seenFrom = true;
    const [image, as, stage] = words.filter((word) => !word.startsWith('--'));
    if (image === undefined) continue;
    const ref = substitute(image, globals);
    if (ref === undefined || ref === '') unresolved.push(image);
    else if (ref.toLowerCase() !== 'scratch' && !stages.has(ref.toLowerCase()) && !refs.includes(ref)) refs.push(ref);
    // Named after its image is read: `FROM app AS app` pulls app.
    if (as?.toLowerCase() === 'as' && stage) stages.add(stage.toLowerCase());
  }
  return { refs, unresolved };
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/**
 * The sources of `ADD` instructions (`ONBUILD ADD` too) that the engine would or might fetch itself: URLs
 * (`ADD https://host/file /dst`), and sources its word expansion would change into who knows what (quotes, escapes,
 * variables). dockerd makes that GET from the host's own network namespace (its loopback, what the firewall keeps
 * from containers), not from a build container.
 */
export function addedUrls(dockerfile: string): string[] {
  const found: string[] = [];
  // Each line on its own too: a parser that ends a continuation elsewhere (a newer engine's) would read an ADD there.
  const lines = dockerfile.split(/\r?\n/).map((line) => line.trim());
  for (const instruction of [...dockerfileInstructions(dockerfile), ...lines.filter(Boolean)]) {
    let words = instruction.split(/\s+/);
    // `ONBUILD ADD ...` runs in the builds FROM this image: judged as if here.
    if (words[0].toUpperCase() === 'ONBUILD') words = words.slice(1);
    if (words[0]?.toUpperCase() !== 'ADD') continue;
    // The flags (`--chown=`, `--chmod=`, `--checksum=`, ...), then the JSON form `["src", "dst"]` or words.
    const rest = words.slice(1);
    const first = rest.findIndex((word) => !word.startsWith('--'));
    const body = first < 0 ? '' : rest.slice(first).join(' ');
    const args = body.startsWith('[') ? jsonWords(body) : body.split(' ').filter(Boolean);
    // A scheme anywhere, or what the engine's word expansion would change (quotes, escapes, variables), may be a URL.
    for (const source of args.slice(0, -1)) {
      if (/:\/\//.test(source) || /["'`\\$]/.test(source)) found.push(source);
    }
  }
  return [...new Set(found)];
}

function jsonWords(body: string): string[] {
  try {
    const words: unknown = JSON.parse(body);
    return Array.isArray(words) ? words.map(String) : [body];
  } catch {
    return [body];
  }
}
