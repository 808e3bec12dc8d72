/**
 * URLs the webhooks' SSRF guard refuses, with the range it names: webhooks and link previews both
 * run through `checkWebhookTarget`, and both suites check every row.
 */
export const REFUSED_TARGETS: readonly (readonly [url: string, range: string])[] = [
  ['http://127.0.0.1/x', 'loopback'],
  ['http://[::1]/x', 'loopback'],
  ['http://10.1.2.3/', 'private'],
  ['http://192.168.0.10/', 'private'],
  ['http://172.16.5.4/', 'private'],
  ['http://100.64.0.1/', 'carrierGradeNat'],
  ['http://169.254.169.254/latest/meta-data', 'linkLocal'],
  ['http://[fe80::1]/', 'linkLocal'],
  ['http://[fd00::1]/', 'uniqueLocal'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  ['http://[::ffff:10.0.0.1]/', 'private'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  // IPv4-compatible IPv6 (::/96): a URL writes [::127.0.0.1] as [::7f00:1], which ipaddr.js alone calls unicast.
  ['http://[::127.0.0.1]/', 'loopback'],
  ['http://[::10.0.0.1]/', 'private'],
  ['http://[::169.254.169.254]/', 'linkLocal'],
  ['http://localhost:9/', 'loopback'],
]
