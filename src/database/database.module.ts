import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Database } from './database.js';

@Global()
@Module({
  providers: [{ provide: Database, useFactory: (config: AppConfig) => Database.open(config.dataDir), inject: [AppConfig] }],
  exports: [Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
