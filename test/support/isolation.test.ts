import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISOLATED_TEST_FILES } from './isolated-files.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function testFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const MOCK = /from ['"]aws-sdk-client-mock['"]/;
const LOCAL_IMPORT = /from ['"](\.{1,2}\/[^'"]+)\.js['"]/g;

/** Whether the file imports aws-sdk-client-mock itself or through a module of the project it imports. */
async function stubsClients(file: string, seen = new Set<string>()): Promise<boolean> {
  if (seen.has(file)) return false;
  seen.add(file);
  const source = await readFile(file, 'utf8').catch(() => '');
  if (MOCK.test(source)) return true;
  for (const [, spec] of source.matchAll(LOCAL_IMPORT)) {
    if (await stubsClients(resolve(dirname(file), `${spec}.ts`), seen)) return true;
  }
  return false;
}

describe('test isolation', () => {
  it('runs every file that stubs SDK clients in its own module graph', async () => {
    const files = (
      await Promise.all(['src', 'test', 'integration'].map((d) => testFiles(d)))
    ).flat();
    const stubbing: string[] = [];
    for (const file of files) {
      if (await stubsClients(join(ROOT, file))) stubbing.push(file);
    }
    expect(stubbing.length).toBeGreaterThan(0);
    expect(stubbing.filter((f) => !ISOLATED_TEST_FILES.includes(f))).toEqual([]);
  });
});
