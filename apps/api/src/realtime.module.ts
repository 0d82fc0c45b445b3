import { Global, Module } from '@nestjs/common';
import { ReceiptMetrics } from '@receipts/application';
import { RECEIPTS_CONFIG, type ReceiptsConfig } from '@receipts/infrastructure';
import { CoalescingPushChannel, PUSH_CHANNEL } from '@receipts/realtime';
import { RealtimeHub } from './realtime-hub';

/** Pushes from the projector to this process's sockets, coalesced per device window. */
@Global()
@Module({
  providers: [
    RealtimeHub,
    {
      provide: PUSH_CHANNEL,
      inject: [RealtimeHub, RECEIPTS_CONFIG, ReceiptMetrics],
      useFactory: (hub: RealtimeHub, config: ReceiptsConfig, metrics: ReceiptMetrics) =>
        new CoalescingPushChannel(hub, config.RECEIPTS_PUSH_WINDOW_MS, () =>
          metrics.pushes.inc({ type: 'frame' }),
        ),
    },
  ],
  exports: [RealtimeHub, PUSH_CHANNEL],
})
export class RealtimeModule {}
