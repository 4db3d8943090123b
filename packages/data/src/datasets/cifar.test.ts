import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CifarDataset } from './cifar';

/** Writes records (label byte(s) then R, G, B planes of 32x32); pixel (y, x) of channel c = (label*7 + c*50 + y + x) & 255. */
function writeBatch(file: string, labels: number[][]): void {
  const recs = labels.map((ls) => {
    const rec = Buffer.alloc(ls.length + 3072);
    ls.forEach((l, i) => (rec[i] = l));
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) rec[ls.length + c * 1024 + y * 32 + x] = (ls[ls.length - 1] * 7 + c * 50 + y + x) & 255;
    return rec;
  });
  fs.writeFileSync(file, Buffer.concat(recs));
}

describe('CIFAR binary batches', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-cifar-'));
    const c10 = path.join(dir, 'cifar-10-batches-bin');
    fs.mkdirSync(c10);
    for (let b = 1; b <= 5; b++) writeBatch(path.join(c10, `data_batch_${b}.bin`), [[b], [(b + 3) % 10]]);
    writeBatch(path.join(c10, 'test_batch.bin'), [[9], [0], [4]]);
    const c100 = path.join(dir, 'c100');
    fs.mkdirSync(c100);
    writeBatch(path.join(c100, 'train.bin'), [[3, 42], [19, 99]]);
    writeBatch(path.join(c100, 'test.bin'), [[0, 5]]);
    fs.writeFileSync(path.join(c100, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `super${i}`).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'broken.bin'), Buffer.alloc(3073 + 10));
    writeBatch(path.join(dir, 'badlabel.bin'), [[1], [12]]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads CIFAR-10 train (5 batches) and test from the parent folder, HWC pixels from CHW planes', async () => {
    const train = await CifarDataset.open({ variant: 10, split: 'train', dir });
    expect(train.length).toBe(10);
    expect(train.classNames[3]).toBe('cat');
    const labels = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await train.get(i)).label));
    expect(labels).toEqual([1, 4, 2, 5, 3, 6, 4, 7, 5, 8]);
    const s = await train.get(3); // label 5
    const px = (y: number, x: number, c: number) => Math.round(s.image[(y * 32 + x) * 3 + c] * 255);
    expect([px(0, 0, 0), px(0, 0, 1), px(0, 0, 2), px(2, 5, 1)]).toEqual([35, 85, 135, 92]);
    const test = await CifarDataset.open({ variant: 10, split: 'test', dir: path.join(dir, 'cifar-10-batches-bin') });
    expect(test.length).toBe(3);
    expect((await test.get(2)).label).toBe(4);
    await expect(test.get(3)).rejects.toThrow(/index 3 is out of range \[0, 3\)/);
    await train.close();
    await test.close();
  });

  it('reads CIFAR-100 fine and coarse labels', async () => {
    const fine = await CifarDataset.open({ variant: 100, split: 'train', dir: path.join(dir, 'c100') });
    expect(fine.numClasses).toBe(100);
    expect([(await fine.get(0)).label, (await fine.get(1)).label]).toEqual([42, 99]);
    const coarse = await CifarDataset.open({ variant: 100, split: 'train', dir: path.join(dir, 'c100'), labelMode: 'coarse' });
    expect(coarse.numClasses).toBe(20);
    expect(coarse.classNames[19]).toBe('super19');
    expect([(await coarse.get(0)).label, (await coarse.get(1)).label]).toEqual([3, 19]);
    await fine.close();
    await coarse.close();
  });

  it('names the file when a batch is missing or not made of whole records', async () => {
    await expect(CifarDataset.open({ variant: 10, split: 'train', dir: path.join(dir, 'c100') })).rejects.toThrow(/data_batch_1\.bin not found/);
    await expect(CifarDataset.open({ variant: 10, split: 'train', dir, files: ['broken.bin'] })).rejects.toThrow(
      `${path.join(dir, 'broken.bin')}: 3083 bytes is not a whole number of 3073-byte CIFAR-10 records`,
    );
    const bad = await CifarDataset.open({ variant: 10, split: 'train', dir, files: ['badlabel.bin'] });
    expect((await bad.get(0)).label).toBe(1);
    await expect(bad.get(1)).rejects.toThrow(`${path.join(dir, 'badlabel.bin')}: record 1 has label 12, but CIFAR-10 has 10 classes`);
    await bad.close();
  });
});
