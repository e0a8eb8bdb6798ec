// Fakes for the specs of the create policy's host checks (not used at run time).
import type { BerthContainer, BerthOnEngine } from './berth-container.js';
import { HostPathKind, HostPaths } from './host-paths.js';

/** The host's filesystem as a table: a path not listed is `otherwise` (by default: it exists and is no symlink). */
export class FakeHostPaths extends HostPaths {
  /** Every path lstat was asked about, in order. */
  readonly asked: string[] = [];
  visible = true;

  constructor(
    kinds: Record<string, HostPathKind> = {},
    private readonly otherwise: HostPathKind = 'other',
  ) {
    super();
    this.kinds = new Map(Object.entries(kinds));
  }

  readonly kinds: Map<string, HostPathKind>;

  canSee(): boolean {
    return this.visible;
  }

  async lstat(path: string): Promise<HostPathKind> {
    this.asked.push(path);
    return this.kinds.get(path) ?? this.otherwise;
  }
}

/** Berth's own container as MountFacts sees it: beside the engine by default. */
export function fakeBerthContainer(on: BerthOnEngine = { inContainer: false, volumes: [] }): BerthContainer {
  return { on: async () => on } as unknown as BerthContainer;
}
