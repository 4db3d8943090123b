// A model built before any backend was selected: one clear line from vitkit, once, instead of tfjs's banner.
// (Each jest test file has its own tfjs engine, so nothing is selected when this file starts.)
import { tf } from '../tf';
import { Linear } from '../nn/linear';
import { NO_BACKEND_WARNING } from './implicit-backend';
import { selectBackend } from './select-backend';

describe('building a model with no backend selected', () => {
  it('warns once, in one line, and tfjs does not print its own banner', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const a = new Linear(4, 3);
      const b = new Linear(3, 2);
      tf.tidy(() => b.forward(a.forward(tf.ones([2, 4]))).dataSync());
      const lines = stderr.mock.calls.map((c) => String(c[0]));
      expect(lines).toEqual([`${NO_BACKEND_WARNING}\n`]);
      expect(NO_BACKEND_WARNING).not.toContain('\n');
      expect(NO_BACKEND_WARNING).toContain('await selectBackend()');
      expect(warn.mock.calls).toEqual([]);
      expect(tf.getBackend()).toBe('cpu');
      a.dispose();
      b.dispose();
    } finally {
      stderr.mockRestore();
      warn.mockRestore();
    }
  });

  it('says nothing once a backend was selected', async () => {
    await selectBackend('cpu', { quiet: true });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      new Linear(2, 2).dispose();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
  });
});
