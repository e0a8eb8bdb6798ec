// Helpers for unit specs that fake the engine (not used at run time).
import { DockerHosts } from './docker-hosts.js';
import { Engine, type HostDescriptor } from './engine.js';

/**
 * Some of the Engine port's methods, each taking the port's arguments. Answers may be partial
 * (a spec fakes only the fields it reads), but a name the port does not have fails to compile.
 */
export type EngineFake = {
  [K in keyof Engine]?: Engine[K] extends (...args: infer A) => unknown ? (...args: A) => unknown : Engine[K];
};

export const FAKE_HOST: HostDescriptor = { id: 'local', name: 'local', url: 'unix:///var/run/docker.sock' };

/**
 * An Engine made of `methods`; a method not faked throws when called, so a spec never passes by accident.
 * The port's own methods (written over its abstract ones, e.g. listContainersJson) run on the fakes.
 */
export function fakeEngine<F extends EngineFake>(methods: F & Record<Exclude<keyof F, keyof Engine>, never>, host = FAKE_HOST): Engine & F {
  const target: Record<string | symbol, unknown> = { host, ...methods };
  const fake: Engine & F = new Proxy(target, {
    get: (object, key) =>
      // `health` is optional on the port: a fake without one has none.
      key in object || typeof key === 'symbol' || key === 'then' || key === 'health'
        ? object[key]
        : Object.hasOwn(Engine.prototype, key) && key !== 'constructor'
          ? (Engine.prototype[key as keyof Engine] as (...args: unknown[]) => unknown).bind(fake)
          : () => {
              throw new Error(`engine fake: ${key} is not faked`);
            },
  }) as unknown as Engine & F;
  return fake;
}

/** DockerHosts over fake engines (each under its host id). */
export function fakeHosts(...engines: Engine[]): DockerHosts {
  return new DockerHosts(engines);
}
