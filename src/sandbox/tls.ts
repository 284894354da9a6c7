// The sandbox's certificate authority and serving certificate. The CA is made once per data dir (or per start
// without one) and embedded in the kubeconfig, so clients verify the server instead of skipping TLS checks.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface SandboxTls {
  caCert: string;
  cert: string;
  key: string;
}

function rsaKeys(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    privateKey: forge.pki.privateKeyFromPem(privatePem),
    privatePem,
  };
}

function certificate(subject: string, publicKey: forge.pki.PublicKey, years: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  return cert;
}

function createCa(): { certPem: string; keyPem: string } {
  const keys = rsaKeys();
  const cert = certificate('kmaint-sandbox-ca', keys.publicKey, 10);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

function createServing(caCertPem: string, caKeyPem: string): { certPem: string; keyPem: string } {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const keys = rsaKeys();
  const cert = certificate('kube-apiserver', keys.publicKey, 1);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 2, value: 'kubernetes.default.svc' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** Loads the CA from `dir` (making it on first start) and issues a fresh serving certificate. */
export function sandboxTls(dir?: string): SandboxTls {
  let ca: { certPem: string; keyPem: string };
  const caCertPath = dir ? join(dir, 'ca.crt') : '';
  const caKeyPath = dir ? join(dir, 'ca.key') : '';
  if (dir && existsSync(caCertPath) && existsSync(caKeyPath)) {
    ca = { certPem: readFileSync(caCertPath, 'utf8'), keyPem: readFileSync(caKeyPath, 'utf8') };
  } else {
    ca = createCa();
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(caKeyPath, ca.keyPem, { mode: 0o600 });
      writeFileSync(caCertPath, ca.certPem);
    }
  }
  const serving = createServing(ca.certPem, ca.keyPem);
  return { caCert: ca.certPem, cert: serving.certPem, key: serving.keyPem };
}
