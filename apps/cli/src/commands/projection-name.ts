import { RECEIPTS_PROJECTION } from '@receipts/read-models';

/** The projection a command names; this service keeps one. */
export const projectionNamed = (name: string | undefined): string => {
  const projection = name ?? RECEIPTS_PROJECTION;
  if (projection !== RECEIPTS_PROJECTION) {
    throw new Error(`unknown projection "${projection}" (known: ${RECEIPTS_PROJECTION})`);
  }
  return projection;
};
