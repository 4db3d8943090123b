import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeImageFile } from './image-folder';

describe('decodeImageFile on something that is not an image file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-decode-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a folder is "a directory", not "unsupported image format"', async () => {
    await expect(decodeImageFile(dir, [4, 4, 3])).rejects.toThrow(`cannot decode image ${dir}: is a directory (give image files, not folders)`);
  });

  it('a missing file is "no such file"', async () => {
    const missing = path.join(dir, 'nope.png');
    await expect(decodeImageFile(missing, [4, 4, 3])).rejects.toThrow(`cannot decode image ${missing}: no such file`);
  });
});
