import { describe, expect, it } from 'vitest'
import { afterAttempt, backoffMs, DEFAULT_RETRY } from '../../src/domain/webhooks/retries.js'
import { isMetadataAddress, metadataHostIn } from '../../src/domain/webhooks/url-guard.js'

describe('delivery retries', () => {
  const policy = { maxAttempts: 5, baseMs: 1000, capMs: 10_000 }

  it('waits exponentially, jittered between half and all of the step, and never past the cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000])
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 1))).toEqual([1000, 2000, 4000, 8000])
    expect(backoffMs(30, policy, () => 1)).toBe(10_000)
    expect(backoffMs(10, DEFAULT_RETRY, () => 0.5)).toBeLessThanOrEqual(DEFAULT_RETRY.capMs)
  })

  it('delivers on success, retries a failure, and dead-letters the failure of the last attempt', () => {
    expect(afterAttempt(1, { ok: true, status: 200, latencyMs: 5 }, policy, 100)).toMatchObject({
      status: 'delivered',
      lastStatus: 200,
    })
    const retry = afterAttempt(
      2,
      { ok: false, status: 503, latencyMs: 5, error: 'HTTP 503' },
      policy,
      100,
      () => 0,
    )
    expect(retry).toMatchObject({ status: 'pending', nextAttemptTime: 1100, lastError: 'HTTP 503' })
    expect(afterAttempt(5, { ok: false, latencyMs: 1, error: 'refused' }, policy, 100)).toMatchObject({
      status: 'dead',
      lastError: 'refused',
    })
  })
})

describe('cloud metadata addresses', () => {
  it.each([
    '169.254.169.254',
    '169.254.170.2',
    '100.100.100.200',
    'fd00:ec2::254',
    'FD00:EC2:0:0:0:0:0:254',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    'fe80::1',
  ])('%s is one', (a) => expect(isMetadataAddress(a)).toBe(true))

  it.each(['127.0.0.1', '10.0.0.1', '8.8.8.8', '::1', 'fd00::1', '2001:db8::1', 'example.com'])(
    '%s is not',
    (a) => expect(isMetadataAddress(a)).toBe(false),
  )

  it('finds them in URLs however the host is written', () => {
    for (const url of [
      'http://169.254.169.254/',
      'http://[fd00:ec2::254]/',
      'http://metadata.google.internal./',
      'http://2852039166/',
      'http://0251.0376.0251.0376/',
    ]) {
      expect(metadataHostIn(new URL(url))).toBeDefined()
    }
    expect(metadataHostIn(new URL('http://127.0.0.1:8080/hook'))).toBeUndefined()
  })
})
