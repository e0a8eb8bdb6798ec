export class HealthDto {
  /** @example ok */
  status: 'ok';
}

export class ReadinessDto {
  /** @example ready */
  status: 'ready';
  /**
   * Each dependency and its state, e.g. `{ "database": "ok", "host:local": "ok" }`.
   * @example {"database": "ok", "host:local": "ok"}
   */
  checks: Record<string, string>;
}
