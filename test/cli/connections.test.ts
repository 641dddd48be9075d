/**
 * Connections as the `temporal` CLI makes them: TLS, mTLS and an API key from TEMPORAL_*
 * variables or a temporal.toml profile, for the client (every command) and the worker's
 * NativeConnection (`run`), through a TLS front of the test run's dev server.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorOutput, ListOutput, RunOutput } from '../../src/cli/schemas.ts';
import { makeCertificates, startTlsProxy, type TestCertificates, type TlsProxy } from '../helpers/tls-proxy.ts';
import { llmspell } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/worker.ts';

const API_KEY = `key-${randomUUID()}`;
let certs: TestCertificates;
let proxy: TlsProxy;

beforeAll(async () => {
  certs = makeCertificates();
  proxy = await startTlsProxy(inject('temporalAddress'), certs, { mtls: true, apiKey: API_KEY });
});

afterAll(async () => {
  await proxy?.close();
});

/** Environment of a run through the TLS front: no TEMPORAL_ADDRESS of the plain server. */
const tlsEnv = (extra: Record<string, string> = {}) => ({
  TEMPORAL_ADDRESS: proxy.address,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
  TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
  TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  TEMPORAL_API_KEY: API_KEY,
  ...extra,
});

describe('connections through envconfig', () => {
  it('runs a spell over mTLS with an API key from TEMPORAL_* variables: client and worker both', async () => {
    const id = `tls-${randomUUID()}`;
    const r = await llmspell(['run', join(repoRoot, 'examples/hello.lua'), '--id', id, '--json', '--task-queue', `tls-${randomUUID()}`], { env: tlsEnv(), plain: false });
    expect(r.code, r.stderr).toBe(0);
    expect(RunOutput.parse(JSON.parse(r.stdout))).toMatchObject({ runId: id, status: 'completed' });
    // The client started the run and the worker polled, both through the TLS front.
    expect(proxy.methods).toContain('StartWorkflowExecution');
    expect(proxy.methods).toContain('PollWorkflowTaskQueue');
    expect(proxy.methods).toContain('PollActivityTaskQueue');
  });

  it('reads a temporal.toml profile (TEMPORAL_CONFIG_FILE, --profile or TEMPORAL_PROFILE), flags over it', async () => {
    const file = join(certs.dir, 'temporal.toml');
    writeFileSync(
      file,
      [
        '[profile.default]',
        'address = "127.0.0.1:1"',
        '',
        '[profile.cloud]',
        `address = "${proxy.address}"`,
        `api_key = "${API_KEY}"`,
        '[profile.cloud.tls]',
        `server_ca_cert_path = "${certs.caCert}"`,
        `client_cert_path = "${certs.clientCert}"`,
        `client_key_path = "${certs.clientKey}"`,
        '',
      ].join('\n'),
    );
    const env = { TEMPORAL_CONFIG_FILE: file };
    const byFlag = await llmspell(['list', '--profile', 'cloud', '--limit', '1', '--json'], { env, plain: false });
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(ListOutput.parse(JSON.parse(byFlag.stdout)).runs.length).toBeLessThanOrEqual(1);
    const byEnv = await llmspell(['list', '--limit', '1', '--json'], { env: { ...env, TEMPORAL_PROFILE: 'cloud' }, plain: false });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    // --address wins over the profile's: the plain server, without TLS.
    const byAddress = await llmspell(['list', '--limit', '1', '--json', '--address', inject('temporalAddress')], { env: { ...env, TEMPORAL_TLS: 'false' }, plain: false });
    expect(byAddress.code, byAddress.stderr).toBe(0);
  });

  it.each([
    ['no client certificate (mTLS)', 1, 'TemporalUnavailable', { TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' }, /cannot connect to Temporal at 127\.0\.0\.1:\d+ \(TLS, API key\)/],
    ['a wrong API key', 1, 'TemporalUnavailable', { TEMPORAL_API_KEY: 'wrong' }, /cannot connect to Temporal at .*missing or wrong API key/],
    ['a profile that does not exist', 2, 'ConfigError', { TEMPORAL_PROFILE: 'nope' }, /Profile 'nope' not found/],
    ['an API key and no address', 2, 'ConfigError', { TEMPORAL_ADDRESS: '', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '' }, /an API key but no address/],
    ['a namespace the server does not have', 2, 'ConfigError', { TEMPORAL_NAMESPACE: `nope-${randomUUID().slice(0, 8)}` }, /namespace.*nope-/i],
  ] as const)('%s: exit %i, %s', async (_, code, type, override, message) => {
    const env = Object.fromEntries(Object.entries(tlsEnv(override as Record<string, string>)).filter(([, v]) => v !== ''));
    const r = await llmspell(['list', '--json'], { env, plain: false });
    expect(r.code, r.stderr).toBe(code);
    const out = ErrorOutput.parse(JSON.parse(r.stdout));
    expect(out.error.type).toBe(type);
    expect(out.error.message).toMatch(message);
  });
});
