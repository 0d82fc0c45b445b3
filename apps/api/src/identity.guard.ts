import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  createParamDecorator,
} from '@nestjs/common';
import type { Principal } from '@receipts/application';
import { IDENTITY_RESOLVER, type IdentityResolver } from './identity';
import type { IdentifiedRequest } from './rest-limits';

/**
 * The one guard in front of every REST route. The limits in front of it already resolved the
 * caller (rest-limits.ts); the guard refuses what they could not accept.
 */
@Injectable()
export class IdentityGuard implements CanActivate {
  constructor(@Inject(IDENTITY_RESOLVER) private readonly identity: IdentityResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<IdentifiedRequest>();
    if (request.identityError !== undefined) throw request.identityError;
    request.principal ??= await this.identity.fromHttp(request.headers);
    return true;
  }
}

export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<IdentifiedRequest>().principal;
  if (!principal) throw new Error('IdentityGuard did not run');
  return principal;
});
