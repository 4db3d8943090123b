import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { ImageFolderDataset } from './image-folder';

/** A 4x4 RGB image where pixel (y, x) = [base + 10y + x, 2x, 200 - y]. */
function pixels(base: number): Buffer {
  const b = Buffer.alloc(4 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) b.set([base + 10 * y + x, 2 * x, 200 - y], (y * 4 + x) * 3);
  return b;
}
const raw = (base: number) => sharp(pixels(base), { raw: { width: 4, height: 4, channels: 3 } });

describe('image-folder', () => {
  let root: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-imgs-'));
    for (const split of ['train', 'clean']) {
      for (const c of ['cat', 'dog']) fs.mkdirSync(path.join(root, split, c), { recursive: true });
    }
    const t = path.join(root, 'train');
    await raw(10).png().toFile(path.join(t, 'cat', 'a.png'));
    await raw(20).jpeg({ quality: 95 }).toFile(path.join(t, 'cat', 'b.jpg'));
    await raw(30).webp({ lossless: true }).toFile(path.join(t, 'dog', 'c.webp'));
    fs.mkdirSync(path.join(t, 'dog', 'nested'));
    await raw(40).png().toFile(path.join(t, 'dog', 'nested', 'd.PNG'));
    fs.writeFileSync(path.join(t, 'dog', 'e.png'), Buffer.from('this is not a png at all'));
    fs.writeFileSync(path.join(t, 'cat', 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(t, 'cat', '.DS_Store'), 'ignored');
    // A gif disguised as .png: a supported extension, an unsupported format.
    await sharp(pixels(0), { raw: { width: 4, height: 4, channels: 3 } }).gif().toFile(path.join(t, 'cat', 'f.png'));
    const c = path.join(root, 'clean');
    await raw(50).png().toFile(path.join(c, 'cat', 'x.png'));
    await sharp(Buffer.alloc(16, 77), { raw: { width: 4, height: 4, channels: 1 } }).png().toFile(path.join(c, 'dog', 'grey.png'));
    await sharp(Buffer.alloc(64, 255), { raw: { width: 4, height: 4, channels: 4 } }).png().toFile(path.join(c, 'dog', 'rgba.png'));
    // A PNG cut in half: its header is fine, decoding fails.
    const whole = await raw(60).png({ compressionLevel: 0 }).toBuffer();
    fs.writeFileSync(path.join(c, 'dog', 'truncated.png'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('stops on the first unsupported file, naming it', async () => {
    await expect(ImageFolderDataset.open({ dir: root, split: 'train', imageSize: 4 })).rejects.toThrow(
      `image-folder: ${path.join(root, 'train', 'cat', 'notes.txt')}: unsupported file type ".txt"`,
    );
  });

  it('names a corrupt file found by the header check', async () => {
    await expect(ImageFolderDataset.open({ dir: root, split: 'train', imageSize: 4, extensions: ['.jpg', '.webp', '.png'], classes: ['dog'] })).rejects.toThrow(
      new RegExp(`${path.join(root, 'train', 'dog', 'e.png').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt or unreadable image`),
    );
  });

  it("skips corrupt and unsupported files with one counted warning when onError is 'skip'", async () => {
    const warnings: string[] = [];
    const ds = await ImageFolderDataset.open({ dir: root, split: 'train', imageSize: 4, onError: 'skip', onWarning: (m) => warnings.push(m) });
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.length).toBe(4);
    expect(ds.files.map((f) => path.relative(path.join(root, 'train'), f))).toEqual(['cat/a.png', 'cat/b.jpg', 'dog/c.webp', 'dog/nested/d.PNG']);
    expect(ds.skipped.map((s) => path.basename(s.file)).sort()).toEqual(['e.png', 'f.png', 'notes.txt']);
    expect(ds.skipped.find((s) => s.file.endsWith('f.png'))!.reason).toMatch(/unsupported image format "gif"/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/skipped 3 of 7 files/);
  });

  it('decodes PNG, JPEG and WebP to HWC floats with labels from folders', async () => {
    const ds = await ImageFolderDataset.open({ dir: path.join(root, 'train'), imageSize: 4, onError: 'skip', onWarning: () => undefined });
    expect(ds.shape).toEqual([4, 4, 3]);
    const expectPixels = (img: Float32Array, base: number, tol: number) => {
      const want = pixels(base);
      let maxDiff = 0;
      want.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - Math.round(img[i] * 255)))));
      expect(maxDiff).toBeLessThanOrEqual(tol);
    };
    const png = await ds.get(0);
    expect(png.label).toBe(0);
    expectPixels(png.image, 10, 0);
    const jpg = await ds.get(1);
    expect(jpg.label).toBe(0);
    expectPixels(jpg.image, 20, 12); // lossy
    const webp = await ds.get(2);
    expect(webp.label).toBe(1);
    expectPixels(webp.image, 30, 0);
    expectPixels((await ds.get(3)).image, 40, 0);
  });

  it('resizes to imageSize, expands grey, drops alpha, and handles a file that only fails at decode time', async () => {
    const warnings: string[] = [];
    const strict = await ImageFolderDataset.open({ dir: root, split: 'clean', imageSize: [2, 3], onWarning: (m) => warnings.push(m) });
    expect(strict.length).toBe(4);
    expect(strict.shape).toEqual([2, 3, 3]);
    const grey = await strict.get(1);
    expect(Array.from(grey.image, (v) => Math.round(v * 255))).toEqual(Array(18).fill(77));
    const rgba = await strict.get(2);
    expect(Array.from(rgba.image, (v) => Math.round(v * 255))).toEqual(Array(18).fill(255));
    await expect(strict.get(3)).rejects.toThrow(`image-folder: ${path.join(root, 'clean', 'dog', 'truncated.png')}: cannot decode`);

    const lenient = await ImageFolderDataset.open({ dir: root, split: 'clean', imageSize: 2, channels: 1, onError: 'skip', onWarning: (m) => warnings.push(m) });
    expect(lenient.shape).toEqual([2, 2, 1]);
    const replaced = await lenient.get(3); // truncated.png -> replaced by the next file (index 0)
    expect(replaced.label).toBe(0);
    expect(lenient.skipped).toHaveLength(1);
    expect(warnings.some((w) => w.includes('truncated.png') && w.includes('1 file(s) skipped'))).toBe(true);

    // check: 'decode' finds the truncated file during the scan.
    const scanned: string[] = [];
    const decoded = await ImageFolderDataset.open({ dir: root, split: 'clean', imageSize: 2, check: 'decode', onError: 'skip', onWarning: (m) => scanned.push(m) });
    expect(decoded.length).toBe(3);
    expect(decoded.skipped.map((s) => path.basename(s.file))).toEqual(['truncated.png']);
    expect(scanned).toEqual([expect.stringMatching(/skipped 1 of 4 files/)]);
  });

  it('reports a missing split folder and an empty class', async () => {
    await expect(ImageFolderDataset.open({ dir: root, split: 'val' })).rejects.toThrow(`image-folder: ${path.join(root, 'val')} does not exist`);
    const empty = path.join(root, 'emptycls');
    fs.mkdirSync(path.join(empty, 'a'), { recursive: true });
    fs.mkdirSync(path.join(empty, 'b'), { recursive: true });
    fs.copyFileSync(path.join(root, 'train', 'cat', 'a.png'), path.join(empty, 'a', 'a.png'));
    await expect(ImageFolderDataset.open({ dir: empty })).rejects.toThrow(/class folder\(s\) with no usable image: .*emptycls\/b/);
  });
});
