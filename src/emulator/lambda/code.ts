import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { invalidParameter, NAME_RE } from './validation.js';

const TAIL_BYTES = 4 * 1024;

/**
 * Unpacks a function zip into a fresh directory under `workDir`, refusing entries that would land
 * outside it and code without the handler's module.
 */
export async function unpackZip(
  workDir: string,
  name: string,
  zipBytes: Buffer,
  handler: string,
): Promise<string> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(zipBytes);
  } catch {
    throw invalidParameter(
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
  }
  const entries = Object.values(zip.files).map((entry) => ({
    entry,
    rel: path.posix.normalize(entry.name.replace(/\\/g, '/')).replace(/^(\.\/)+/, ''),
  }));
  for (const { rel } of entries) {
    // A zip entry must not write outside the function's directory.
    if (rel.startsWith('/') || rel === '..' || rel.startsWith('../')) {
      throw invalidParameter(`The zip file contains an entry outside its root: ${rel}`);
    }
  }
  const files = new Set(entries.filter((e) => !e.entry.dir).map((e) => e.rel));
  const modulePath = handler.slice(0, handler.lastIndexOf('.'));
  if (!['.js', '.mjs', '.cjs'].some((ext) => files.has(modulePath + ext))) {
    throw invalidParameter(
      `The handler ${handler} needs ${modulePath}.js, ${modulePath}.mjs or ${modulePath}.cjs at the root of the zip, which does not contain it`,
    );
  }
  const dir = await fs.mkdtemp(path.join(workDir, `${name}-`));
  for (const { entry, rel } of entries) {
    const dest = path.join(dir, rel);
    if (entry.dir) {
      await fs.mkdir(dest, { recursive: true });
    } else {
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.writeFile(dest, await entry.async('nodebuffer'));
    }
  }
  return dir;
}

export function decodeMarker(marker: string): string {
  const name = Buffer.from(marker, 'base64').toString('utf8');
  if (!NAME_RE.test(name)) throw invalidParameter(`Invalid Marker: ${marker}`);
  return name;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}

export function tailOf(lines: string[]): string {
  const text = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  return text.subarray(Math.max(0, text.length - TAIL_BYTES)).toString('base64');
}

/** The nearest node_modules directories above `file`, nearest first. */
export function defaultNodePath(file: string): string[] {
  const out: string[] = [];
  let dir = path.dirname(file);
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(candidate)) out.push(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}
