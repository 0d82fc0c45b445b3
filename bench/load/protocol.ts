import { DEFAULTS } from '@receipts/client';
import type { HistogramData } from './stats';

/** An answered delivered ACK: its messages must be delivered (or read) in the log. */
export type DeliveredSample = {
  conversationId: string;
  userId: string;
  messages: Array<[id: string, sequence: number]>;
};
/** An answered read ACK: the user's cursor in the log must be at least `upTo`. */
export type ReadSample = { conversationId: string; userId: string; upTo: number };
export type AnsweredSamples = { delivered: DeliveredSample[]; reads: ReadSample[] };

/**
 * How devices send their ACKs. `frame`: like the SDK, one `receipt:ack` frame per device per
 * batching window with every delivered and read item of all its conversations. `single`: the
 * older shape, one `receipt:delivered` per conversation per window and one `receipt:read` per read.
 */
export type AckShape = 'frame' | 'single';

/** The SDK's default batching window (`ReceiptsClientOptions.batchWindowMs`). */
export const DEFAULT_BATCH_WINDOW_MS: number = DEFAULTS.batchWindowMs;

/** Orchestrator -> load process (over the fork IPC channel; the load itself goes over loopback). */
export type RunCommand = {
  type: 'run';
  phase: string;
  /** `saturate`: as fast as the service answers, within the outstanding-work windows. */
  mode: 'saturate' | 'paced';
  /** Paced mode: target receipt transitions per second for this process. */
  transitionsPerSecond: number;
  /** Paced mode: transitions one registered message yields, as measured at saturation. */
  transitionsPerMessage: number;
  /** The devices' batching window for this phase. */
  windowMs: number;
  /** Messages sent in a row to one conversation (1: each message to a conversation of its own draw). */
  burst: number;
  warmupMs: number;
  measureMs: number;
  /** Wait for every handed-over message to be ACKed and read before answering (not when crashing). */
  drain: boolean;
};
export type ControlMessage = RunCommand | { type: 'stop' };

export type PhaseResult = {
  phase: string;
  measuredSeconds: number;
  transitions: { delivered: number; readAck: number; readBySend: number };
  registrations: number;
  registrationErrors: number;
  acks: {
    delivered: number;
    read: number;
    duplicates: number;
    /** Frames (socket events carrying ACKs) answered in the window, and the items they held. */
    frames: number;
    items: number;
    errors: Record<string, number>;
  };
  pushes: { delivered: number; read: number; readSync: number };
  histograms: {
    ackDurable: HistogramData;
    pushDelivered: HistogramData;
    pushRead: HistogramData;
    registration: HistogramData;
    /** How long an item waited in its device's batching window before its frame went out. */
    batchWait: HistogramData;
    byKind: Record<string, { ack: HistogramData; push: HistogramData }>;
  };
  /** Registrations due in paced mode that could not be sent because a window was full. */
  shortfall: number;
  cpuPercent: number;
  maxRssKb: number;
  peakPendingDeliveries: number;
  drained: boolean;
};

/** Load process -> orchestrator. */
export type LoadReport =
  | { type: 'ready'; devices: number; users: number; transitionsPerMessage: number }
  | { type: 'result'; result: PhaseResult }
  | { type: 'stopped'; maxRssKb: number; samples: AnsweredSamples }
  | { type: 'error'; message: string };
