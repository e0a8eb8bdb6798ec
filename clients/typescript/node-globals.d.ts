// For the repository's typecheck (Node's types, no DOM library): @types/node declares fetch's globals but
// not BodyInit, which the generated fetch client names. The package's own tsconfig has the DOM library instead.
type BodyInit = import('undici-types').BodyInit;
