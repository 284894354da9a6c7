// HTTP plumbing shared by the handlers: reading bodies, decoding them by Content-Type, writing responses.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, tooLarge, unsupportedMediaType } from './status.ts';
import { decodeKubernetesProtobuf, isProtobufContentType, PROTOBUF_CONTENT_TYPE } from './protobuf.ts';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * The media types of an object body (create, update, the review kinds): kubectl's typed-client commands
 * (`kubectl create deployment`, `create secret`, `autoscale`, `auth can-i`...) send protobuf and do not retry
 * a 415 as JSON. Patch bodies are never protobuf.
 */
export const OBJECT_BODY_TYPES = ['application/json', 'application/yaml', PROTOBUF_CONTENT_TYPE];

/** Decodes a JSON, YAML or (when `allowed` lists it) Kubernetes protobuf body into a plain value. */
export function decodeBody(body: Buffer, contentType: string | undefined, allowed: string[] = ['application/json', 'application/yaml']): any {
  // no Content-Type means the server's first supported type, JSON, as upstream's negotiation does
  const type = mediaType(contentType) || 'application/json';
  if (isProtobufContentType(type) && allowed.includes(PROTOBUF_CONTENT_TYPE)) {
    try {
      return decodeKubernetesProtobuf(body);
    } catch (error) {
      throw badRequest(`unable to decode protobuf body: ${(error as Error).message}`);
    }
  }
  if (!allowed.includes(type)) throw unsupportedMediaType(type);
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty');
  if (type.endsWith('yaml')) {
    try {
      return parseYaml(text);
    } catch (error) {
      throw badRequest(`error converting YAML to JSON: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body could not be decoded: ${(error as Error).message}`);
  }
}

/** Sends JSON as bytes: Node then writes it as it is, instead of encoding a string again on the way out. */
export function sendJson(res: ServerResponse, code: number, body: string | Buffer, contentType = 'application/json'): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': bytes.length, 'Cache-Control': 'no-cache, private' });
  res.end(bytes);
}

export function sendObject(res: ServerResponse, code: number, body: unknown, contentType?: string): void {
  sendJson(res, code, JSON.stringify(body), contentType);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  const headers: Record<string, string> = {};
  if (error.details?.retryAfterSeconds) headers['Retry-After'] = String(error.details.retryAfterSeconds);
  const body = JSON.stringify(error.toStatus());
  res.writeHead(error.code, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Does the client ask for a server-side Table (kubectl get with human-readable output)? */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && accept.includes('as=Table') && accept.includes('g=meta.k8s.io');
}

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
