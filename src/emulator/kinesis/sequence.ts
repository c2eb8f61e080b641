/**
 * Sequence numbers and shard iterators in AWS's formats.
 *
 * A sequence number is a 56-digit decimal whose hexadecimal form is AWS's version-2 layout:
 * `2`, shard creation time (9 hex digits, epoch seconds), the shard index's low nibble, the
 * position in the shard (16 hex digits), a reserved byte, the arrival time (9 hex digits, epoch
 * seconds), the shard index (8 hex digits) and the version `2`. Within a shard numbers grow with the
 * position; a child shard's numbers are above its parents' because it was created later.
 *
 * Shard iterators are opaque: eight bytes `00..01` then an AES-encrypted payload, base64. The key
 * is per process, so iterators do not survive a restart (nor do the records they point at).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The position AWS gives a closed shard's EndingSequenceNumber (the largest 63-bit value). */
export const END_POSITION = 0x7fffffffffffffffn;

export interface SequenceParts {
  shardCreatedMs: number;
  shardIndex: number;
  position: bigint;
  arrivalMs: number;
}

const hex = (n: number | bigint, width: number) =>
  n.toString(16).padStart(width, '0').slice(-width);

export function formatSequence(p: SequenceParts): string {
  const h =
    '2' +
    hex(Math.floor(p.shardCreatedMs / 1000), 9) +
    (p.shardIndex & 0xf).toString(16) +
    hex(p.position, 16) +
    '00' +
    hex(Math.floor(p.arrivalMs / 1000), 9) +
    hex(p.shardIndex, 8) +
    '2';
  return BigInt(`0x${h}`).toString();
}

/** Parses a sequence number of our layout; undefined for anything else. */
export function parseSequence(seq: string): SequenceParts | undefined {
  if (!/^\d{1,130}$/.test(seq)) return undefined;
  const h = BigInt(seq).toString(16);
  if (h.length !== 47 || h[0] !== '2' || h[46] !== '2') return undefined;
  return {
    shardCreatedMs: parseInt(h.slice(1, 10), 16) * 1000,
    position: BigInt(`0x${h.slice(11, 27)}`),
    arrivalMs: parseInt(h.slice(29, 38), 16) * 1000,
    shardIndex: parseInt(h.slice(38, 46), 16),
  };
}

export interface IteratorPayload {
  /** Stream name and creation time: a re-created stream of the same name is another stream. */
  stream: string;
  created: number;
  shard: number;
  /** Position of the next record to read. */
  pos: number;
  issued: number;
}

const KEY = randomBytes(32);
const IV = randomBytes(16);
const VERSION = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]);

export function encodeIterator(p: IteratorPayload): string {
  const cipher = createCipheriv('aes-256-cbc', KEY, IV);
  const text = [p.issued, p.created, p.shard, p.pos, p.stream].join('/');
  return Buffer.concat([VERSION, cipher.update(text, 'utf8'), cipher.final()]).toString('base64');
}

export function decodeIterator(token: string): IteratorPayload | undefined {
  try {
    const buf = Buffer.from(token, 'base64');
    if (buf.length < 24 || !buf.subarray(0, 8).equals(VERSION)) return undefined;
    const decipher = createDecipheriv('aes-256-cbc', KEY, IV);
    const text = Buffer.concat([decipher.update(buf.subarray(8)), decipher.final()]).toString(
      'utf8',
    );
    const m = /^(\d+)\/(\d+)\/(\d+)\/(\d+)\/(.+)$/.exec(text);
    if (!m) return undefined;
    return {
      issued: Number(m[1]),
      created: Number(m[2]),
      shard: Number(m[3]),
      pos: Number(m[4]),
      stream: m[5]!,
    };
  } catch {
    return undefined;
  }
}
