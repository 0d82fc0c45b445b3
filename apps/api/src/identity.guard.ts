import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  createParamDecorator,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from '@receipts/application';
import { IDENTITY_RESOLVER, type IdentityResolver } from './identity';

type AuthenticatedRequest = Request & { principal?: Principal };

/** The one guard in front of every REST route. */
@Injectable()
export class IdentityGuard implements CanActivate {
  constructor(@Inject(IDENTITY_RESOLVER) private readonly identity: IdentityResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = await this.identity.fromHttp(request.headers);
    return true;
  }
}

export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('IdentityGuard did not run');
  return principal;
});
