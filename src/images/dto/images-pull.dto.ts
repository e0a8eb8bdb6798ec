import { IsOptional, IsString, Length, Matches } from 'class-validator';

/**
 * The engine's reference grammar (distribution/reference): `[registry[:port]/]path[:tag][@digest]`,
 * lowercase path components. Checked before anything reaches the engine.
 */
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
export const PULL_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

export class ImagePullDto {
  /**
   * What to pull, as `docker pull` takes it: `busybox`, `registry:5000/team/app:1.2`, `app@sha256:…`. Without a tag or digest, `latest`.
   * @example localhost:5001/team/app:1.0
   */
  @IsString()
  @Length(1, 512)
  @Matches(PULL_REFERENCE, {
    message: 'image must be an image reference such as busybox:1.36 or registry.example.com:5000/team/app@sha256:…',
  })
  image: string;

  /**
   * The stored registry whose credentials to use; by default the one whose host matches the reference.
   * @example 0b9f3c52-6a0e-4b8e-9f5e-2f1a7c3d9e10
   */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  registryId?: string;

  /**
   * `os[/arch[/variant]]`, e.g. `linux/arm64`; by default the engine's.
   * @example linux/amd64
   */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_-]+(\/[a-z0-9_.-]+){0,2}$/, { message: 'platform must be os[/arch[/variant]], e.g. linux/amd64' })
  platform?: string;
}
