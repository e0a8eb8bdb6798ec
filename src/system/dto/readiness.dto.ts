export class HealthDto {
  /** @example ok */
  status: 'ok';
}

export class ReadinessDto {
  /** @example ready */
  status: 'ready';
  /**
   * Each dependency and its state: the database, the local engine, and how many other host records are in each state
   * (never which: see `GET /api/v1/hosts`), e.g. `{ "database": "ok", "host:local": "ok", "hosts": "ok: 2, down: 1, unknown: 0" }`.
   * @example {"database": "ok", "host:local": "ok", "hosts": "ok: 2, down: 1, unknown: 0"}
   */
  checks: Record<string, string>;
}
