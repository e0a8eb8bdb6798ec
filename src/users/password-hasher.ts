import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/** Argon2id with the OWASP baseline (19 MiB, 2 passes): about 30 ms a hash here. */
export const HASH_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * Verified against when the username is unknown, so that answer takes as long as a wrong password: a hash of
 * `berth-decoy-password` with HASH_OPTIONS, written down rather than computed (19 MiB and a core's time at every start).
 */
export const DECOY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$X24qoOG4B9HlVASsegCedw$0g2KCf5UWCV3gmLGXzaXNpaUpyYuFuLEvo8M1M9eCG8';

@Injectable()
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return hash(password, HASH_OPTIONS);
  }

  async verify(passwordHash: string | undefined, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash ?? DECOY_HASH, password);
    } catch {
      return false; // a malformed stored hash matches nothing
    }
  }
}
