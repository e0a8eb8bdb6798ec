export interface Credentials {
  username: string;
  password: string;
}

export interface LaunchOptions {
  /** The entry point; `dist/main.js` by default. */
  main?: string;
  nodeArgs?: string[];
  /** A fresh temporary directory by default. */
  dataDir?: string;
  /** The first admin (BERTH_ADMIN_USERNAME / BERTH_ADMIN_PASSWORD); none by default, and Berth generates one. */
  admin?: Credentials;
  /** Over the defaults (PORT=0, HOST=127.0.0.1, BERTH_DATA_DIR, LOG_LEVEL=info). */
  env?: Record<string, string>;
  /**
   * false (benchmarks, which log a line per request): Berth prints to `<dataDir>/berth.log` instead of a pipe read
   * by this process, and `output()` is what it printed until it listened.
   */
  keepOutput?: boolean;
  /** Run as this user and group (the caller must be root): e.g. one outside the engine socket's group. */
  uid?: number;
  gid?: number;
}

export interface LaunchedBerth {
  url: string;
  pid: number;
  dataDir: string;
  /** What the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export function launchBerth(options?: LaunchOptions): Promise<LaunchedBerth>;

export function login(url: string, credentials: Credentials): Promise<string>;
