import { Module } from '@nestjs/common';

/** The console's backend. The web console itself arrives with its own issue; this boots and reports health. */
@Module({})
export class AppModule {}
