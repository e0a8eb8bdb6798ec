import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `docker tag <ref> <repo>:<tag>`. */
export class ImageTagDto {
  /** `[registry[:port]/]path`, lowercase, without tag or digest, e.g. `localhost:5001/team/app`. */
  @IsString()
  @MaxLength(255)
  repo!: string;

  /** Default `latest`. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  tag?: string;
}

export class ImageTaggedDto {
  /** The image's id. */
  id!: string;
  /** The new name, `repo:tag`. */
  reference!: string;
}

/** What `docker rmi` did. */
export class ImageRemovedDto {
  /** Names removed from the image. */
  untagged!: string[];
  /** Image and layer ids deleted. */
  deleted!: string[];
}

/** What `docker load` loaded. */
export class ImagesLoadedDto {
  /** `repo:tag` for a tagged image, `sha256:<id>` for an untagged one. */
  loaded!: string[];
}
