export class DiskUsageKindDto {
  /** How many there are. */
  count: number;
  /** How many are in use (images used by a container, running containers, referenced volumes). */
  active: number;
  sizeBytes: number;
  /** What `docker system prune` of this kind could free. */
  reclaimableBytes: number;
}

/** `docker system df`. */
export class DiskUsageDto {
  images: DiskUsageKindDto;
  containers: DiskUsageKindDto;
  volumes: DiskUsageKindDto;
  buildCache: DiskUsageKindDto;
  totalBytes: number;
  reclaimableBytes: number;
}
