import { ReceiptError } from '@receipts/domain';

/** Why a token was refused, as clients see it in `details.reason`. */
export type TokenRejection =
  | 'missing_token'
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'bad_signature'
  | 'unknown_key'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'bad_claim'
  | 'no_device'
  | 'not_a_device';

const MESSAGES: Record<TokenRejection, string> = {
  missing_token: 'No token: send Authorization: Bearer <token>, or auth: { token } on a socket',
  malformed: 'The token is not a well-formed signed JWT',
  algorithm_not_allowed: "The token's algorithm is not the one this service accepts",
  bad_signature: "The token's signature does not verify",
  unknown_key: "The token's key id matches no key this service trusts",
  expired: 'The token has expired',
  not_yet_valid: 'The token is not valid yet',
  wrong_issuer: "The token's issuer is not the one this service trusts",
  wrong_audience: 'The token is not meant for this service (audience)',
  missing_claim: 'The token lacks a required claim',
  bad_claim: 'The token has a malformed claim',
  no_device: 'A device socket needs a user token with a device claim (did); this one has none',
  not_a_device: 'A service token cannot open a device socket; devices connect with user tokens',
};

export const tokenRefused = (reason: TokenRejection, extra: Record<string, unknown> = {}) =>
  new ReceiptError('UNAUTHENTICATED', MESSAGES[reason], { reason, ...extra });
