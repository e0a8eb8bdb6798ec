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
  /** What to pull, as `docker pull` takes it: `busybox`, `registry:5000/team/app:1.2`, `app@sha256:…`. Without a tag or digest, `latest`. */
  @IsString()
  @Length(1, 512)
  @Matches(PULL_REFERENCE, {
    message: 'image must be an image reference such as busybox:1.36 or registry.example.com:5000/team/app@sha256:…',
  })
  image: string;

  /** The stored registry whose credentials to use; by default the one whose host matches the reference. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  registryId?: string;

  /** `os[/arch[/variant]]`, e.g. `linux/arm64`; by default the engine's. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_-]+(\/[a-z0-9_.-]+){0,2}$/, { message: 'platform must be os[/arch[/variant]], e.g. linux/amd64' })
  platform?: string;
}
