/**
 * How much one socket frame may carry (RECEIPTS_MAX_ACK_ITEMS, RECEIPTS_MAX_DELIVERED_IDS). A
 * class rather than a type, so the ACK handlers receive it by its constructor's type.
 */
export class AckLimits {
  constructor(
    readonly itemsPerFrame: number,
    readonly idsPerDelivery: number,
  ) {}
}
