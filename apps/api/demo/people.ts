/** Who is in the demo: two people at keyboards, and group members the page plays. */
export const PEOPLE = ['alice', 'bob'] as const;
export const SIMULATED = ['carol', 'dave', 'erin', 'frank'] as const;

export type Conversation = Readonly<{
  key: 'dm' | 'group';
  id: string;
  title: string;
  members: readonly string[];
}>;

/** The room keeps each try-out's ids apart: every id the service sees ends with it. */
export const roomOf = (params: URLSearchParams): string =>
  params.get('room') ?? Math.random().toString(36).slice(2, 8);

export const userId = (name: string, room: string): string => `${name}-${room}`;
export const nameOf = (id: string): string => id.replace(/-[^-]+$/, '');

export const conversations = (room: string): Conversation[] => [
  { key: 'dm', id: `dm-${room}`, title: 'alice & bob', members: ['alice', 'bob'] },
  {
    key: 'group',
    id: `group-${room}`,
    title: 'group of 6',
    members: [...PEOPLE, ...SIMULATED],
  },
];
