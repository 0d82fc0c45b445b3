/**
 * What @nestjs/cqrs's buses add to a call: `npm run build && node dist/bench/bus-overhead.js
 * [calls]`. Times a trivial handler (it answers at once) executed directly, through the
 * CommandBus and through the QueryBus, each awaited one after another, in a Nest context like
 * the API's. Each socket frame and REST request is one bus call, so the difference is the bus's
 * cost per frame. Prints a table (median of 5 rounds per path).
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Command,
  CommandBus,
  CommandHandler,
  CqrsModule,
  type ICommandHandler,
  type IQueryHandler,
  Query,
  QueryBus,
  QueryHandler,
} from '@nestjs/cqrs';
import { table } from './format';

class Echo extends Command<number> {
  constructor(readonly value: number) {
    super();
  }
}

class EchoQuery extends Query<number> {
  constructor(readonly value: number) {
    super();
  }
}

@CommandHandler(Echo)
class EchoHandler implements ICommandHandler<Echo> {
  execute({ value }: Echo): Promise<number> {
    return Promise.resolve(value);
  }
}

@QueryHandler(EchoQuery)
class EchoQueryHandler implements IQueryHandler<EchoQuery> {
  execute({ value }: EchoQuery): Promise<number> {
    return Promise.resolve(value);
  }
}

@Module({ imports: [CqrsModule.forRoot()], providers: [EchoHandler, EchoQueryHandler] })
class BenchModule {}

const ROUNDS = 5;

/** Microseconds per call of `call`, awaited one after another: the median of ROUNDS rounds. */
const microsPerCall = async (calls: number, call: (i: number) => Promise<number>) => {
  let sink = 0;
  for (let i = 0; i < calls / 10; i++) sink += await call(i); // warm-up: let the JIT settle
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += await call(i);
    rounds.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
  }
  if (sink < 0) throw new Error('unreachable: keeps the calls from being optimised away');
  return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
};

const main = async (): Promise<void> => {
  const calls = Number(process.argv[2] ?? 200_000);
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  const handler = app.get(EchoHandler);
  const commands = app.get(CommandBus);
  const queries = app.get(QueryBus);
  const direct = await microsPerCall(calls, (i) => handler.execute(new Echo(i)));
  const commandBus = await microsPerCall(calls, (i) => commands.execute(new Echo(i)));
  const queryBus = await microsPerCall(calls, (i) => queries.execute(new EchoQuery(i)));
  await app.close();
  const row = (path: string, us: number) => [path, us.toFixed(3), (us - direct).toFixed(3)];
  console.log(`${calls.toLocaleString('en-US')} awaited calls per round, median of ${ROUNDS}\n`);
  console.log(
    table(
      ['path', 'µs per call', 'µs added per frame'],
      [
        row('direct handler.execute()', direct),
        row('commandBus.execute()', commandBus),
        row('queryBus.execute()', queryBus),
      ],
    ),
  );
};

void main();
