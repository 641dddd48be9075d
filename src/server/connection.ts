/**
 * Where Temporal is and how to reach it: the settings the `temporal` CLI reads (a profile of
 * `temporal.toml`, `TEMPORAL_*` variables) through `@temporalio/envconfig`, with command-line
 * flags over them. No address anywhere means the local dev server.
 */
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { Metadata, TLSConfig } from '@temporalio/client';
import { CliError } from '../errors/index.ts';

export interface ConnectionFlags {
  /** host:port; over `TEMPORAL_ADDRESS` and the profile's. */
  address?: string;
  /** Over `TEMPORAL_NAMESPACE` and the profile's. */
  namespace?: string;
  /** Profile of the config file; over `TEMPORAL_PROFILE`. Default `default`. */
  profile?: string;
  /** Config file; over `TEMPORAL_CONFIG_FILE`. Default: the `temporal` CLI's (`~/.config/temporalio/temporal.toml`). */
  configFile?: string;
}

/** How to connect: the options both `Connection` (clients) and `NativeConnection` (workers) take. */
export interface TemporalConnectionSettings {
  /** Absent when nothing names a server: the caller uses the local dev server. */
  address?: string;
  namespace: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  /** gRPC metadata (`grpc_meta` of the profile, `TEMPORAL_GRPC_META_*`). */
  metadata?: Metadata;
}

/**
 * Reads the profile and the environment as the `temporal` CLI does; flags win. A profile that
 * does not exist, a file that does not parse, or TLS / an API key with no address to use them
 * on is a ConfigError.
 */
export function connectionSettings(flags: ConnectionFlags = {}, env: NodeJS.ProcessEnv = process.env): TemporalConnectionSettings {
  let config;
  try {
    const profile = loadClientConfigProfile({
      ...(flags.profile ? { profile: flags.profile } : {}),
      ...(flags.configFile ? { configSource: { path: flags.configFile } } : {}),
      overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    });
    config = toClientOptions(profile);
  } catch (error) {
    const file = flags.configFile ?? env.TEMPORAL_CONFIG_FILE;
    throw new CliError('ConfigError', `Temporal connection settings${file ? ` (${file})` : ''}: ${(error as Error).message}`, { cause: error });
  }
  const { address, tls, apiKey, metadata } = config.connectionOptions;
  const settings: TemporalConnectionSettings = {
    namespace: flags.namespace ?? config.namespace ?? 'default',
    ...((flags.address ?? address) ? { address: flags.address ?? address } : {}),
    ...(tls !== undefined && tls !== null ? { tls } : {}),
    ...(typeof apiKey === 'string' ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
  // Starting a local dev server would silently drop them: a Cloud setup missing its address.
  if (!settings.address && (settings.apiKey !== undefined || (settings.tls !== undefined && settings.tls !== false))) {
    throw new CliError(
      'ConfigError',
      `Temporal connection settings name ${settings.apiKey !== undefined ? 'an API key' : 'TLS'} but no address: set TEMPORAL_ADDRESS, --address or the profile's address`,
    );
  }
  return settings;
}

/** Connection options from settings, for `Connection.connect` and `NativeConnection.connect`. */
export function connectionOptions(settings: TemporalConnectionSettings & { address: string }) {
  return {
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}
