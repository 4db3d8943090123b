import * as tf from '@tensorflow/tfjs';
import { NativeBackend } from './backend';
import { describeNative, requireNative, values } from './testing/compare';

describeNative('NativeBackend buffer pool', () => {
  beforeAll(async () => {
    await requireNative();
    await tf.setBackend('native');
  });
  const backend = () => tf.backend() as NativeBackend;
  const bufferOf = (t: tf.Tensor) => (backend().data.get(t.dataId).values as Float32Array).buffer;
  const a = () => tf.tensor(values(1000, 1));
  const b = () => tf.tensor(values(1000, 2));

  it("reuses a disposed output's buffer for the next output of that size", () => {
    const [x, y] = [a(), b()];
    const first = tf.mul(x, y);
    const buffer = bufferOf(first);
    first.dispose();
    const second = tf.add(x, y);
    expect(bufferOf(second)).toBe(buffer);
    tf.dispose([x, y, second]);
  });

  it('keeps every buffer of a training step\'s worth of same-size activations (200 at once) for the next step', () => {
    const [x, y] = [a(), b()];
    const step = () => Array.from({ length: 200 }, () => tf.add(x, y));
    const first = step();
    const buffers = new Set(first.map(bufferOf));
    tf.dispose(first);
    const second = step();
    expect(second.filter((t) => buffers.has(bufferOf(t))).length).toBe(200);
    tf.dispose([x, y, ...second]);
  });

  it('dataSync() of a tensor stays valid after the tensor is disposed and its buffer reused', () => {
    const [x, y] = [a(), b()];
    const first = tf.mul(x, y);
    const read = first.dataSync();
    const expected = Array.from(read);
    const buffer = bufferOf(first);
    first.dispose();
    const second = tf.sub(x, y);
    expect(bufferOf(second)).toBe(buffer); // the buffer was reused...
    expect(Array.from(read)).toEqual(expected); // ...and what was read did not change
    tf.dispose([x, y, second]);
  });

  it('a cpu-kernel output that would alias a pooled buffer (Unpack returns subarray views) is copied, so it survives reuse', () => {
    const [x, y] = [tf.tensor(values(1000, 1), [10, 100]), tf.tensor(values(1000, 2), [10, 100])];
    const source = tf.mul(x, y);
    const expected = Array.from(source.dataSync().slice(300, 400));
    const rows = tf.unstack(source);
    const buffer = bufferOf(source);
    source.dispose();
    const reuse = tf.add(x, y);
    expect(bufferOf(reuse)).toBe(buffer);
    expect(Array.from(rows[3].dataSync())).toEqual(expected);
    tf.dispose([x, y, ...rows, reuse]);
  });

  it('a tensor made from a user array never lends that array to the pool', () => {
    const user = values(1000, 3);
    const snapshot = Array.from(user);
    const t = tf.tensor(user);
    t.dispose();
    const [x, y] = [a(), b()];
    tf.dispose([tf.mul(x, y), x, y]);
    expect(Array.from(user)).toEqual(snapshot);
  });
});
