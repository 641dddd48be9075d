/** Connection settings as the `temporal` CLI reads them (envconfig): profile file, TEMPORAL_* variables, flags over both. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionSettings } from '../../src/server/connection.ts';
import { CliError } from '../../src/errors/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'llmspell-envconfig-'));
const file = join(dir, 'temporal.toml');
writeFileSync(
  file,
  `[profile.default]
address = "default.example:7233"
namespace = "from-file"

[profile.cloud]
address = "ns.acct.tmprl.cloud:7233"
namespace = "ns.acct"
api_key = "file-key"

[profile.mtls]
address = "mtls.example:7233"
[profile.mtls.tls]
server_name = "mtls.internal"
client_cert_data = "CERT"
client_key_data = "KEY"
[profile.mtls.grpc_meta]
x-team = "ops"
`,
);
const env = { TEMPORAL_CONFIG_FILE: file };

describe('connectionSettings', () => {
  it('reads the default profile, then TEMPORAL_* variables over it, then flags over both', () => {
    expect(connectionSettings({}, env)).toEqual({ address: 'default.example:7233', namespace: 'from-file' });
    expect(connectionSettings({}, { ...env, TEMPORAL_ADDRESS: 'env:1', TEMPORAL_NAMESPACE: 'env-ns' })).toEqual({ address: 'env:1', namespace: 'env-ns' });
    expect(connectionSettings({ address: 'flag:2', namespace: 'flag-ns' }, { ...env, TEMPORAL_ADDRESS: 'env:1' })).toEqual({ address: 'flag:2', namespace: 'flag-ns' });
  });

  it('an API key turns TLS on (Temporal Cloud), by --profile or TEMPORAL_PROFILE', () => {
    const cloud = { address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', apiKey: 'file-key', tls: true };
    expect(connectionSettings({ profile: 'cloud' }, env)).toEqual(cloud);
    expect(connectionSettings({}, { ...env, TEMPORAL_PROFILE: 'cloud' })).toEqual(cloud);
    expect(connectionSettings({ profile: 'cloud' }, { ...env, TEMPORAL_API_KEY: 'env-key' }).apiKey).toBe('env-key');
  });

  it('mTLS from the profile (inline data), gRPC metadata, and TEMPORAL_TLS=false turning TLS off', () => {
    const mtls = connectionSettings({ profile: 'mtls' }, env);
    expect(mtls.tls).toMatchObject({ serverNameOverride: 'mtls.internal', clientCertPair: { crt: new TextEncoder().encode('CERT'), key: new TextEncoder().encode('KEY') } });
    expect(mtls.metadata).toEqual({ 'x-team': 'ops' });
    expect(connectionSettings({ profile: 'mtls' }, { ...env, TEMPORAL_TLS: 'false' }).tls).toBe(false);
  });

  it('no address anywhere: the local dev server (no address), default namespace', () => {
    expect(connectionSettings({}, { TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') })).toEqual({ namespace: 'default' });
  });

  it.each([
    ['a missing profile', { profile: 'nope' }, env, /Profile 'nope' not found/],
    ['an unreadable file', {}, { TEMPORAL_CONFIG_FILE: dir }, /EISDIR|illegal operation/],
    ['an API key with no address', {}, { TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml'), TEMPORAL_API_KEY: 'k' }, /API key but no address/],
    ['TLS with no address', {}, { TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml'), TEMPORAL_TLS: 'true' }, /TLS but no address/],
  ])('%s is a ConfigError', (_, flags, environment, message) => {
    let error: unknown;
    try {
      connectionSettings(flags, environment);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).type).toBe('ConfigError');
    expect((error as CliError).message).toMatch(message);
  });
});
