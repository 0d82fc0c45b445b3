import { createZodDto } from 'nestjs-zod';
import {
  readReceiptsSettingSchema,
  registerMessageSchema,
  registerMessagesSchema,
} from '@receipts/contracts';

/** REST bodies as classes, so OpenAPI at /docs shows the same schemas the pipes enforce. */
export class RegisterMessageDto extends createZodDto(registerMessageSchema) {}
export class RegisterMessagesDto extends createZodDto(registerMessagesSchema) {}
export class ReadReceiptsSettingDto extends createZodDto(readReceiptsSettingSchema) {}
