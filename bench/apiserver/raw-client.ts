// A minimal keep-alive HTTP/1.1-over-TLS client for load generation: one request in flight per connection,
// requests given as prebuilt bytes, responses framed by Content-Length. It does far less work per request than
// node:https (no header objects, no agent queueing), so the server under test, not the client, is the limit.

import { connect, type TLSSocket } from 'node:tls';

export interface Target {
  host: string;
  port: number;
  /** PEM of the CA that signed the server certificate */
  ca: string;
  token: string;
}

export interface RawResponse {
  status: number;
  /** only when asked for */
  body?: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

export function requestBytes(target: Target, method: string, path: string, body?: string | Buffer, contentType = 'application/json'): Buffer {
  const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nAuthorization: Bearer ${target.token}\r\n` +
    'Accept: application/json\r\nUser-Agent: kmaint-bench\r\nConnection: keep-alive\r\n';
  if (payload) head += `Content-Type: ${contentType}\r\nContent-Length: ${payload.length}\r\n`;
  head += '\r\n';
  return payload ? Buffer.concat([Buffer.from(head), payload]) : Buffer.from(head);
}

export class RawConnection {
  private pending: Buffer | undefined;
  private inBody = false;
  private status = 0;
  private remaining = 0;
  private keepBody = false;
  private bodyChunks: Buffer[] = [];
  private resolve?: (response: RawResponse) => void;
  private reject?: (error: Error) => void;
  private failure?: Error;

  private constructor(private readonly socket: TLSSocket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  static open(target: Target): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port, ca: target.ca }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  request(bytes: Buffer, keepBody = false): Promise<RawResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.resolve) return Promise.reject(new Error('a request is already in flight on this connection'));
    this.keepBody = keepBody;
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.failure ??= new Error('closed');
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const reject = this.reject;
    this.resolve = this.reject = undefined;
    reject?.(error);
  }

  private onData(chunk: Buffer): void {
    if (!this.inBody) {
      const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      const end = data.indexOf(HEADER_END);
      if (end < 0) {
        this.pending = data;
        return;
      }
      this.pending = undefined;
      const head = data.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const length = CONTENT_LENGTH.exec(head);
      if (!length) {
        this.fail(new Error(`response without Content-Length: ${head.split('\r\n')[0]}`));
        this.socket.destroy();
        return;
      }
      this.remaining = Number(length[1]);
      this.inBody = true;
      this.bodyChunks = [];
      chunk = data.subarray(end + HEADER_END.length);
    }
    if (chunk.length > this.remaining) {
      this.fail(new Error('more response bytes than announced'));
      this.socket.destroy();
      return;
    }
    this.remaining -= chunk.length;
    if (this.keepBody && chunk.length > 0) this.bodyChunks.push(chunk);
    if (this.remaining === 0) {
      this.inBody = false;
      const resolve = this.resolve;
      const response: RawResponse = { status: this.status };
      if (this.keepBody) response.body = this.bodyChunks.length === 1 ? this.bodyChunks[0] : Buffer.concat(this.bodyChunks);
      this.bodyChunks = [];
      this.resolve = this.reject = undefined;
      resolve?.(response);
    }
  }
}
