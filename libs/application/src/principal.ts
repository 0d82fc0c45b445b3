/** Who is asking: a user's device, or a trusted service such as the chat server. */
export type Principal =
  | Readonly<{ kind: 'user'; userId: string; deviceId: string | null }>
  | Readonly<{ kind: 'service'; name: string }>;
