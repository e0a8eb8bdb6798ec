import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `docker tag <ref> <repo>:<tag>`. */
export class ImageTagDto {
  /**
   * `[registry[:port]/]path`, lowercase, without tag or digest, e.g. `localhost:5001/team/app`.
   * @example localhost:5001/team/app
   */
  @IsString()
  @MaxLength(255)
  repo!: string;

  /**
   * Default `latest`.
   * @example "1.0"
   */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  tag?: string;
}

export class ImageTaggedDto {
  /**
   * The image's id.
   * @example sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741
   */
  id!: string;
  /**
   * The new name, `repo:tag`.
   * @example localhost:5001/team/app:1.0
   */
  reference!: string;
}

/** What `docker rmi` did. */
export class ImageRemovedDto {
  /**
   * Names removed from the image.
   * @example ["localhost:5001/team/app:1.0"]
   */
  untagged!: string[];
  /**
   * Image and layer ids deleted.
   * @example ["sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741"]
   */
  deleted!: string[];
}

/** What `docker load` loaded. */
export class ImagesLoadedDto {
  /**
   * `repo:tag` for a tagged image, `sha256:<id>` for an untagged one.
   * @example ["localhost:5001/team/app:1.0"]
   */
  loaded!: string[];
}
