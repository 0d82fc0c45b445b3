/**
 * The simulated population of one load process: users (some with two devices), and conversation
 * slots (1:1 chats, groups of 5, 50 and 500, in proportion to the users). A slot moves to a fresh conversation id every
 * `conversationLength` messages, like a large population of conversations of bounded length.
 */
export type SlotKind = 'direct' | 'group5' | 'group50' | 'group500';

export const GROUP_SIZE: Record<SlotKind, number> = {
  direct: 2,
  group5: 5,
  group50: 50,
  group500: 500,
};

/** Share of receipt transitions per kind of conversation (each message yields 2 per recipient). */
export const TRANSITION_SHARE: Record<SlotKind, number> = {
  direct: 0.3,
  group5: 0.35,
  group50: 0.25,
  group500: 0.1,
};

/** Conversation slots per 520 users; a larger population gets proportionally more of each kind. */
const SLOTS_PER_520_USERS: Record<SlotKind, number> = {
  direct: 300,
  group5: 120,
  group50: 12,
  group500: 1,
};

const slotsFor = (userCount: number, kind: SlotKind): number =>
  Math.max(1, Math.round((SLOTS_PER_520_USERS[kind] * userCount) / 520));

export type User = {
  id: string;
  devices: string[];
  /** Delivered ACKs as "everything up to seq N" instead of batches of ids. */
  cumulative: boolean;
};

export type Slot = {
  kind: SlotKind;
  index: number;
  members: string[];
  epoch: number;
  conversationId: string;
  nextSequence: number;
  busy: boolean;
  queued: number;
};

export type Universe = {
  users: Map<string, User>;
  slots: Slot[];
  /** Picks the slot of the next message according to the mix. */
  pickSlot: () => Slot;
  random: () => number;
  transitionsPerMessage: number;
};

/** Small deterministic PRNG (mulberry32), so each run simulates the same population. */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const conversationIdOf = (
  tag: string,
  slot: Pick<Slot, 'kind' | 'index' | 'epoch'>,
): string => `${tag}-${slot.kind}-${slot.index}-e${slot.epoch}`;

export const buildUniverse = (tag: string, userCount: number, seed: number): Universe => {
  const random = prng(seed);
  const users = new Map<string, User>();
  const ids: string[] = [];
  for (let i = 0; i < userCount; i++) {
    const id = `${tag}u${i}`;
    ids.push(id);
    users.set(id, {
      id,
      devices: i % 5 === 0 ? ['phone', 'laptop'] : ['phone'],
      cumulative: i % 4 === 1,
    });
  }
  const pickMembers = (size: number): string[] => {
    const chosen = new Set<string>();
    while (chosen.size < Math.min(size, ids.length))
      chosen.add(ids[Math.floor(random() * ids.length)]!);
    return [...chosen];
  };
  const slots: Slot[] = [];
  const kinds = Object.keys(SLOTS_PER_520_USERS) as SlotKind[];
  for (const kind of kinds) {
    for (let index = 0; index < slotsFor(userCount, kind); index++) {
      const slot = { kind, index, members: pickMembers(GROUP_SIZE[kind]), epoch: 0 };
      slots.push({
        ...slot,
        conversationId: conversationIdOf(tag, slot),
        nextSequence: 1,
        busy: false,
        queued: 0,
      });
    }
  }
  // Message weights: a kind's transition share divided by the transitions one of its messages makes.
  const weights = kinds.map((k) => TRANSITION_SHARE[k] / (2 * (GROUP_SIZE[k] - 1)));
  const total = weights.reduce((a, b) => a + b, 0);
  const byKind = new Map(kinds.map((k) => [k, slots.filter((s) => s.kind === k)]));
  // Smooth weighted round robin over kinds: exact proportions even over short windows.
  const credits = kinds.map(() => 0);
  const pickSlot = (): Slot => {
    let best = 0;
    for (let i = 0; i < kinds.length; i++) {
      credits[i]! += weights[i]! / total;
      if (credits[i]! > credits[best]!) best = i;
    }
    credits[best]! -= 1;
    const candidates = byKind.get(kinds[best]!)!;
    return candidates[Math.floor(random() * candidates.length)]!;
  };
  return { users, slots, pickSlot, random, transitionsPerMessage: 1 / total };
};
