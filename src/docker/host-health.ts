import { ProblemException } from '../common/problem.js';
import type { ProblemCode } from '../common/problem-codes.js';
import { ENGINE_RETRY_AFTER_SECONDS } from './engine-errors.js';

export type HostState = 'up' | 'down' | 'unknown';

/** What the last health check of a host found. */
export interface HostStatus {
  state: HostState;
  /** When the host entered this state (ISO-8601). */
  since: string;
  /** When it was last checked; absent before the first check. */
  checkedAt?: string;
  /** Why it is down. */
  reason?: string;
  engineVersion?: string;
  /** The API version the engine serves (Berth's unversioned calls get this one). */
  apiVersion?: string;
}

/** What a successful check learns about the engine. */
export interface HealthFacts {
  engineVersion?: string;
  apiVersion?: string;
}

export interface HealthOptions {
  /** Answer 503 at once while the host is known down, instead of waiting for the engine (every host but `local`). */
  shortCircuit: boolean;
  /** Between checks while up. */
  upIntervalMs?: number;
  /** The longest wait between checks while down (the wait doubles from upIntervalMs up to this). */
  maxDownIntervalMs?: number;
  /** A request refused while down asks for a new check when the last one is older than this. */
  recheckAfterMs?: number;
  now?: () => number;
}

const UP_INTERVAL_MS = 5_000;
const MAX_DOWN_INTERVAL_MS = 60_000;
const RECHECK_AFTER_MS = 1_000;

/**
 * A host's live status: a check loop with back-off (5 s while up, doubling to 60 s while down; the
 * timer never holds the process), checks on demand (coalesced), and the short circuit that lets a
 * host known down answer 503 at once. Calls that contradict the status ask for a new check, so a
 * host comes back as soon as it answers again, without waiting for the loop.
 */
export class HostHealth {
  private current: HostStatus;
  /** The problem of the last failed check: a host known down answers it (its code, its Retry-After or none). */
  private lastProblem?: { code: ProblemCode; headers?: Record<string, string> };
  private inFlight?: Promise<HostStatus>;
  private timer?: NodeJS.Timeout;
  private running = false;
  private downChecks = 0;
  private readonly upIntervalMs: number;
  private readonly maxDownIntervalMs: number;
  private readonly recheckAfterMs: number;
  private readonly now: () => number;

  constructor(
    readonly hostId: string,
    private readonly check: () => Promise<HealthFacts>,
    private readonly options: HealthOptions,
  ) {
    this.upIntervalMs = options.upIntervalMs ?? UP_INTERVAL_MS;
    this.maxDownIntervalMs = options.maxDownIntervalMs ?? MAX_DOWN_INTERVAL_MS;
    this.recheckAfterMs = options.recheckAfterMs ?? RECHECK_AFTER_MS;
    this.now = options.now ?? Date.now;
    this.current = { state: 'unknown', since: this.iso() };
  }

  status(): HostStatus {
    return { ...this.current };
  }

  /** The status once the check in flight (the first one included) is done. */
  settled(): Promise<HostStatus> {
    return this.inFlight ?? Promise.resolve(this.status());
  }

  /** Checks now, then keeps checking until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.checkNow();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One check, shared with any already in flight; the loop's next check is counted from its end. */
  checkNow(): Promise<HostStatus> {
    this.inFlight ??= this.runCheck().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    return this.inFlight;
  }

  /** Before an engine call: 503 at once while the host is known down (a stale status asks for a new check first). */
  admit(): void {
    if (!this.options.shortCircuit || this.current.state !== 'down') return;
    if (this.now() - Date.parse(this.current.checkedAt ?? this.current.since) >= this.recheckAfterMs) void this.checkNow();
    const reason = (this.current.reason ?? `The Docker engine of host '${this.hostId}' is unavailable`).replace(/\.$/, '');
    const { code, headers } = this.lastProblem ?? {
      code: 'ENGINE_UNAVAILABLE',
      headers: { 'Retry-After': String(ENGINE_RETRY_AFTER_SECONDS) },
    };
    throw new ProblemException(503, code, `${reason} (down since ${this.current.since}; Berth keeps checking it.)`, headers && { headers });
  }

  /** After an engine call: an outcome the status does not expect asks for a new check (once the loop runs: an unmanaged engine is never checked). */
  observe(ok: boolean): void {
    if (!this.running) return;
    if (ok ? this.current.state !== 'up' : this.current.state === 'up') void this.checkNow();
  }

  private async runCheck(): Promise<HostStatus> {
    const at = this.iso();
    try {
      const facts = await this.check();
      this.downChecks = 0;
      this.lastProblem = undefined;
      this.current = {
        state: 'up',
        since: this.current.state === 'up' ? this.current.since : at,
        checkedAt: at,
        ...((facts.engineVersion ?? this.current.engineVersion) && { engineVersion: facts.engineVersion ?? this.current.engineVersion }),
        ...((facts.apiVersion ?? this.current.apiVersion) && { apiVersion: facts.apiVersion ?? this.current.apiVersion }),
      };
    } catch (error) {
      this.downChecks++;
      // Only a 503 says why the engine cannot be used (host key, ssh login, socket rights); anything else reads as unavailable.
      this.lastProblem =
        error instanceof ProblemException && error.getStatus() === 503 ? { code: error.code, headers: error.problem.headers } : undefined;
      const { engineVersion, apiVersion } = this.current;
      this.current = {
        state: 'down',
        since: this.current.state === 'down' ? this.current.since : at,
        checkedAt: at,
        reason: error instanceof ProblemException ? error.detail : 'the engine does not answer',
        // What it was when last seen: kept, as the docker CLI's `docker context ls` keeps the endpoint's.
        ...(engineVersion && { engineVersion }),
        ...(apiVersion && { apiVersion }),
      };
    }
    return this.status();
  }

  /** The wait before the next check: steady while up, doubling while down. */
  nextDelayMs(): number {
    if (this.current.state !== 'down') return this.upIntervalMs;
    return Math.min(this.upIntervalMs * 2 ** Math.max(0, this.downChecks - 1), this.maxDownIntervalMs);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => void this.checkNow(), this.nextDelayMs());
    this.timer.unref();
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
