import { createHmac } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { issueUploadToken, verifyUploadToken } from './access-tokens';
import { accessPolicyOf } from './access';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

test('a token names its subject until it expires', () => {
  const token = issueUploadToken(SECRET, 'alice', HOUR, NOW);
  expect(verifyUploadToken(SECRET, token, NOW)).toBe('alice');
  expect(verifyUploadToken(SECRET, token, NOW + HOUR - 1)).toBe('alice');
  expect(verifyUploadToken(SECRET, token, NOW + HOUR), 'expired at exp').toBeNull();
});

test('the format is base64url(JSON {sub, exp}).base64url(HMAC-SHA256)', () => {
  const token = issueUploadToken(SECRET, 'user:42', HOUR, NOW);
  const [payload, signature] = token.split('.');
  expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toEqual({ sub: 'user:42', exp: NOW + HOUR });
  expect(Buffer.from(signature, 'base64url')).toHaveLength(32);
});

test('another secret, a changed payload or signature, and malformed tokens are refused', () => {
  const token = issueUploadToken(SECRET, 'alice', HOUR, NOW);
  const [payload, signature] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ sub: 'bob', exp: NOW + HOUR })).toString('base64url');
  const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
  for (const bad of [
    `${forged}.${signature}`,
    `${payload}.${flipped}`,
    `${payload}.${signature.slice(0, 20)}`,
    `${payload}.`,
    `.${signature}`,
    payload,
    `${token}.x`,
    '',
    'not a token',
    `${payload}.${signature}=`,
  ]) {
    expect(verifyUploadToken(SECRET, bad, NOW), JSON.stringify(bad)).toBeNull();
  }
  expect(verifyUploadToken(`${SECRET}!`, token, NOW), 'another secret').toBeNull();
});

test('a correctly signed payload that is not {sub, exp} is refused', () => {
  const signed = (value: unknown) => {
    const part = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part}.${createHmac('sha256', SECRET).update(part).digest('base64url')}`;
  };
  expect(verifyUploadToken(SECRET, signed({ sub: 'x', exp: NOW + HOUR }), NOW)).toBe('x');
  for (const value of [{ sub: '', exp: NOW + HOUR }, { sub: 'x' }, { sub: 1, exp: NOW + HOUR }, { sub: 'x', exp: 'later' }, null, 'x']) {
    expect(verifyUploadToken(SECRET, signed(value), NOW), JSON.stringify(value)).toBeNull();
  }
});

test('the policy reads Authorization: Bearer first, then the upload_token cookie', () => {
  const policy = accessPolicyOf(SECRET);
  const alice = issueUploadToken(SECRET, 'alice', HOUR);
  const bob = issueUploadToken(SECRET, 'bob', HOUR);
  const request = (headers: Record<string, string>) => new Request('http://localhost/api/upload', { headers });
  expect(policy.enabled).toBe(true);
  expect(policy.subjectOf(request({ Authorization: `Bearer ${alice}` }))).toBe('alice');
  expect(policy.subjectOf(request({ Authorization: `bearer ${alice}` }))).toBe('alice');
  expect(policy.subjectOf(request({ Cookie: `lang=en; upload_token=${bob}` }))).toBe('bob');
  expect(policy.subjectOf(request({ Authorization: `Bearer ${alice}`, Cookie: `upload_token=${bob}` }))).toBe('alice');
  expect(policy.subjectOf(request({ Authorization: `Basic ${alice}` }))).toBeNull();
  expect(policy.subjectOf(request({}))).toBeNull();
});

test('without a secret the policy is off and names nobody', () => {
  const policy = accessPolicyOf(null);
  expect(policy.enabled).toBe(false);
  expect(policy.subjectOf(new Request('http://localhost/', { headers: { Authorization: 'Bearer x.y' } }))).toBeNull();
});
