export class HealthDto {
  status: 'ok';
}

export class ReadinessDto {
  status: 'ready';
  /** Each dependency and its state, e.g. `{ "database": "ok", "host:local": "ok" }`. */
  checks: Record<string, string>;
}
