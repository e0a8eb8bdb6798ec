import { Module } from '@nestjs/common';
import { DistributionClient } from '../registry-access.js';
import { HttpDistributionClient } from './distribution-client.js';

/** The Distribution v2 client, one per process (its token cache is shared by every caller). */
@Module({
  providers: [{ provide: DistributionClient, useClass: HttpDistributionClient }],
  exports: [DistributionClient],
})
export class DistributionModule {}
