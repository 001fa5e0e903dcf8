import { describe, expect, it } from 'vitest'
import { decodeHeader, mailRecordOf } from './message.ts'

describe('mailRecordOf', () => {
  it('unfolds headers, decodes encoded words and a quoted-printable body', () => {
    const raw = [
      'Received: from x',
      'From: PlebNet <plebnet@world.test>',
      'To: operator@world.test',
      'Subject: =?UTF-8?Q?PlebNet_child_p=C3=A9.0?=',
      '  =?UTF-8?B?IGlzIGFsaXZl?=',
      'Date: Thu, 03 Dec 2026 15:00:00 +0000',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Genome: {"a":1,"b":=',
      '2} caf=C3=A9',
      '',
    ].join('\r\n')
    const r = mailRecordOf(raw, { id: 1, receivedAtMs: 5, envelope: { from: 'a@b', to: ['c@d'] } })
    expect(r).toMatchObject({
      from: 'PlebNet <plebnet@world.test>',
      to: 'operator@world.test',
      subject: 'PlebNet child pé.0 is alive',
      date: 'Thu, 03 Dec 2026 15:00:00 +0000',
      text: 'Genome: {"a":1,"b":2} café',
    })
    expect(decodeHeader('plain')).toBe('plain')
  })

  it('decodes a base64 body and keeps a 7bit one', () => {
    const b64 = `Content-Transfer-Encoding: base64\n\n${Buffer.from('hello\nworld').toString('base64')}\n`
    expect(mailRecordOf(b64, { id: 1, receivedAtMs: 0, envelope: { from: '', to: [] } }).text).toBe(
      'hello\nworld',
    )
    expect(
      mailRecordOf('Subject: s\n\nline=3D\n', { id: 2, receivedAtMs: 0, envelope: { from: '', to: [] } })
        .text,
    ).toBe('line=3D')
  })
})
