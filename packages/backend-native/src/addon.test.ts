import { shortOpenMpSpin } from './addon';

describe('shortOpenMpSpin', () => {
  it('gives libgomp a short spin where the user set no OpenMP wait policy', () => {
    const env: NodeJS.ProcessEnv = {};
    shortOpenMpSpin(env);
    expect(env.GOMP_SPINCOUNT).toBe('10000');
  });

  it("keeps the user's own setting", () => {
    const spin: NodeJS.ProcessEnv = { GOMP_SPINCOUNT: '5' };
    shortOpenMpSpin(spin);
    expect(spin.GOMP_SPINCOUNT).toBe('5');
    const policy: NodeJS.ProcessEnv = { OMP_WAIT_POLICY: 'active' };
    shortOpenMpSpin(policy);
    expect(policy).toEqual({ OMP_WAIT_POLICY: 'active' });
  });
});
