import type { AppendResult, ExpectedRevision } from './event-store';

/** What the writer thread is started with. */
export type WriterData = Readonly<{ file: string }>;

export type AppendRequest = Readonly<{
  seq: number;
  stream: string;
  expected: ExpectedRevision;
  /** `data` and `metadata` as JSON, serialised by the main thread. */
  events: ReadonlyArray<Readonly<{ id: string; type: string; data: string; metadata: string }>>;
}>;

export type WriterCommand =
  Readonly<{ kind: 'append'; appends: AppendRequest[] }> | Readonly<{ kind: 'close' }>;

export type AppendOutcome = Readonly<
  | { seq: number; kind: 'appended'; result: AppendResult }
  | {
      seq: number;
      kind: 'wrong-revision';
      stream: string;
      expected: ExpectedRevision;
      actual: bigint | 'no_stream';
    }
  | { seq: number; kind: 'failed'; name: string; message: string }
>;
