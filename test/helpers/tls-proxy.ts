/**
 * A TLS front for the test run's Temporal dev server (which has no TLS of its own:
 * `temporal server start-dev` takes no certificates): an HTTP/2 server with a certificate,
 * optionally requiring client certificates (mTLS) and an API key (`authorization: Bearer …`),
 * forwarding every gRPC call to the dev server unchanged. Certificates are made with the
 * `openssl` command (node:crypto cannot make X.509 certificates); a machine without it fails
 * the tests that need it, it does not skip them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** PEM files. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? 'the TLS tests need the `openssl` command to make certificates: install it (apt-get install openssl); scripts/bootstrap.sh checks for it'
        : `openssl ${args.join(' ')} failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message}`,
    );
  }
}

/** A CA, a server certificate for 127.0.0.1 / localhost, and a client certificate, all signed by the CA. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'llmspell-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=llmspell test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  for (const [name, usage, san] of [['server', 'serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n'], ['client', 'clientAuth', '']] as const) {
    writeFileSync(join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\n${san}`);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=llmspell test ${name}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  }
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  };
}

export interface TlsProxy {
  address: string;
  /** gRPC methods called through the proxy (`PollWorkflowTaskQueue`, `StartWorkflowExecution`, …). */
  methods: Set<string>;
  /** Calls refused for a missing or wrong API key. */
  refused: number;
  close(): Promise<void>;
}

export async function startTlsProxy(upstream: string, certs: TestCertificates, options: { mtls?: boolean; apiKey?: string } = {}): Promise<TlsProxy> {
  const methods = new Set<string>();
  const proxy: TlsProxy = { address: '', methods, refused: 0, close: async () => {} };
  const server = http2.createSecureServer({
    key: readFileSync(certs.serverKey),
    cert: readFileSync(certs.serverCert),
    ca: readFileSync(certs.caCert),
    requestCert: options.mtls ?? false,
    rejectUnauthorized: options.mtls ?? false,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    // One upstream connection per client connection, as a gRPC load balancer would keep.
    const up = http2.connect(`http://${upstream}`);
    up.on('error', () => session.destroy());
    session.on('close', () => {
      sessions.delete(session);
      up.close();
    });
    session.on('stream', (stream, headers) => {
      const path = String(headers[':path']);
      if (options.apiKey !== undefined && headers.authorization !== `Bearer ${options.apiKey}`) {
        proxy.refused++;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'missing or wrong API key' }, { endStream: true });
        return;
      }
      methods.add(path.slice(path.lastIndexOf('/') + 1));
      const forwarded: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': path };
      for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':') && value !== undefined) forwarded[name] = value;
      const call = up.request(forwarded);
      let trailers: http2.IncomingHttpHeaders = {};
      call.on('response', (response) => {
        const { ':status': status, ...rest } = response;
        // A trailers-only answer (an error) ends with its headers.
        if ('grpc-status' in rest) stream.respond({ ':status': status, ...rest }, { endStream: true });
        else stream.respond({ ':status': status, ...rest }, { waitForTrailers: true });
      });
      call.on('trailers', (t) => (trailers = t));
      stream.on('wantTrailers', () => stream.sendTrailers(Object.fromEntries(Object.entries(trailers).filter(([name]) => !name.startsWith(':')))));
      call.on('data', (chunk: Buffer) => !stream.destroyed && stream.write(chunk));
      call.on('end', () => !stream.destroyed && !stream.headersSent ? stream.close() : !stream.destroyed && stream.end());
      call.on('error', () => !stream.destroyed && stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
      stream.on('data', (chunk: Buffer) => call.write(chunk));
      stream.on('end', () => call.end());
      stream.on('close', () => !call.destroyed && call.close(http2.constants.NGHTTP2_CANCEL));
      stream.on('error', () => {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      for (const session of sessions) session.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
