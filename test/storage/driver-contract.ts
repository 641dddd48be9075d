/** What every llmspell storage driver must do, run against each real store. */
import { expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload, type StorageDriver, type StorageDriverClaim } from '@temporalio/common';
import { PayloadStoreError } from '../../src/storage/errors.ts';

export interface DriverUnderTest {
  driver: StorageDriver;
  /** Replaces the stored bytes a claim points to. */
  overwrite(claim: StorageDriverClaim, bytes: Uint8Array): Promise<void>;
  /** Deletes what a claim points to. */
  remove(claim: StorageDriverClaim): Promise<void>;
  /** The folder or bucket that errors must name. */
  location: string;
}

const MiB = 1024 * 1024;

function payloadOf(value: unknown): Payload {
  return defaultPayloadConverter.toPayload(value);
}

function expectSamePayload(actual: Payload | undefined, expected: Payload): void {
  expect(actual).toBeDefined();
  expect(Object.keys(actual!.metadata ?? {}).sort()).toEqual(Object.keys(expected.metadata ?? {}).sort());
  for (const [key, value] of Object.entries(expected.metadata ?? {})) {
    expect(Buffer.from(actual!.metadata![key]!).equals(Buffer.from(value))).toBe(true);
  }
  expect(Buffer.from(actual!.data ?? []).equals(Buffer.from(expected.data ?? []))).toBe(true);
}

async function expectStoreError(promise: Promise<unknown>, reason: PayloadStoreError['reason']): Promise<PayloadStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PayloadStoreError);
  expect((error as PayloadStoreError).reason).toBe(reason);
  return error as PayloadStoreError;
}

export function driverContract(label: string, setup: () => DriverUnderTest): void {
  it(`${label}: round-trips small, empty and binary payloads with their metadata`, async () => {
    const { driver } = setup();
    const payloads = [
      payloadOf({ hello: 'wörld', n: 1 }),
      payloadOf(''),
      payloadOf(undefined),
      payloadOf(new Uint8Array([0, 1, 2, 255])),
      {}, // a Payload with neither metadata nor data
    ];
    const claims = await driver.store({}, payloads);
    expect(claims).toHaveLength(payloads.length);
    const back = await driver.retrieve({}, claims);
    payloads.forEach((payload, i) => expectSamePayload(back[i], payload));
    expect(defaultPayloadConverter.fromPayload(back[0]!)).toEqual({ hello: 'wörld', n: 1 });
    expect(defaultPayloadConverter.fromPayload(back[2]!)).toBeUndefined();
  });

  it(`${label}: round-trips a 20 MB payload`, async () => {
    const { driver } = setup();
    const big = payloadOf('x'.repeat(20 * MiB));
    const t0 = performance.now();
    const [claim] = await driver.store({}, [big]);
    const t1 = performance.now();
    const [back] = await driver.retrieve({}, [claim!]);
    const t2 = performance.now();
    expectSamePayload(back, big);
    console.info(`[figures] ${label}: 20 MiB store ${(t1 - t0).toFixed(0)} ms, retrieve ${(t2 - t1).toFixed(0)} ms`);
  }, 60_000);

  it(`${label}: the same content gives the same claim; other content another`, async () => {
    const { driver } = setup();
    const value = { same: 'content', at: 'twice' };
    const [a, b, c] = await driver.store({}, [payloadOf(value), payloadOf(value), payloadOf({ other: true })]);
    const [again] = await driver.store({}, [payloadOf(value)]);
    expect(b!.claimData).toEqual(a!.claimData);
    expect(again!.claimData).toEqual(a!.claimData);
    expect(c!.claimData).not.toEqual(a!.claimData);
    expect(a!.claimData.sha256).toMatch(/^[0-9a-f]{64}$/);
    const [back] = await driver.retrieve({}, [again!]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(value);
  });

  it(`${label}: a missing payload is an error naming the key and the store`, async () => {
    const { driver, remove, location } = setup();
    const [claim] = await driver.store({}, [payloadOf({ soon: 'gone' })]);
    await remove(claim!);
    const error = await expectStoreError(driver.retrieve({}, [claim!]), 'missing');
    expect(error.message).toContain(claim!.claimData.sha256);
    expect(error.message).toContain(location);
    expect(error.message).toMatch(/missing/);
  });

  it(`${label}: a corrupted payload is an error naming the key and the store`, async () => {
    const { driver, overwrite, location } = setup();
    const [claim] = await driver.store({}, [payloadOf({ will: 'rot' })]);
    await overwrite(claim!, Buffer.from('not the bytes that were stored'));
    const error = await expectStoreError(driver.retrieve({}, [claim!]), 'corrupt');
    expect(error.message).toContain(claim!.claimData.sha256);
    expect(error.message).toContain(location);
    expect(error.message).toMatch(/corrupt/);
  });

  it(`${label}: a malformed claim is refused before it reaches the store`, async () => {
    const { driver } = setup();
    const claim = { claimData: { sha256: '../../etc/passwd' } };
    await expectStoreError(driver.retrieve({}, [claim]), 'invalid-claim');
  });
}
