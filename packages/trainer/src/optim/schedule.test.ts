import { createRegistry, usePlugin } from '@vitkit/core';
import { cosineSchedule, constantSchedule, stepSchedule } from './schedule';
import { trainerPlugin } from '../components';
import type { ScheduleFactory } from '../components';

describe('learning-rate schedules', () => {
  it('cosine: linear warm-up, then half cosine to minLr', () => {
    const s = cosineSchedule({ baseLr: 1e-3, totalSteps: 110, warmupSteps: 10, warmupLr: 1e-6, minLr: 1e-5 });
    expect(s.lr(0)).toBeCloseTo(1e-6, 12);
    expect(s.lr(5)).toBeCloseTo(1e-6 + (1e-3 - 1e-6) * 0.5, 12);
    expect(s.lr(10)).toBeCloseTo(1e-3, 12);
    // Half-way through the cosine the rate is the mean of base and min; at the end it is min.
    expect(s.lr(60)).toBeCloseTo((1e-3 + 1e-5) / 2, 12);
    expect(s.lr(35)).toBeCloseTo(1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI / 4)), 12);
    expect(s.lr(110)).toBeCloseTo(1e-5, 12);
    expect(s.lr(500)).toBeCloseTo(1e-5, 12);
    for (let t = 0; t < 10; t++) expect(s.lr(t + 1)).toBeGreaterThan(s.lr(t));
    for (let t = 10; t < 110; t++) expect(s.lr(t + 1)).toBeLessThanOrEqual(s.lr(t));
  });

  it('cosine without warm-up starts at the base rate', () => {
    const s = cosineSchedule({ baseLr: 0.1, totalSteps: 4 });
    expect([0, 1, 2, 3, 4].map((t) => s.lr(t))).toEqual([0.1, 0.05 * (1 + Math.cos(Math.PI / 4)), 0.05, 0.05 * (1 + Math.cos((3 * Math.PI) / 4)), 0]);
  });

  it('constant and step schedules', () => {
    const c = constantSchedule({ baseLr: 0.5, warmupSteps: 2 });
    expect([0, 1, 2, 9].map((t) => c.lr(t))).toEqual([0, 0.25, 0.5, 0.5]);
    const st = stepSchedule({ baseLr: 1, stepSize: 3, gamma: 0.5 });
    expect([0, 2, 3, 6].map((t) => st.lr(t))).toEqual([1, 1, 0.5, 0.25]);
  });

  it('registry component turns warmupEpochs into steps and validates options with their path', () => {
    const r = createRegistry();
    usePlugin(r, trainerPlugin);
    const f = r.build<ScheduleFactory>('schedule', { type: 'cosine', warmupEpochs: 2, warmupLr: 0, minLr: 0 }, 'train.schedule');
    const s = f.create({ baseLr: 1, totalSteps: 100, stepsPerEpoch: 10 });
    expect(s.lr(10)).toBeCloseTo(0.5, 12);
    expect(s.lr(20)).toBeCloseTo(1, 12);
    expect(() => r.build('schedule', { type: 'cosine', warmupEpochs: -1 }, 'train.schedule')).toThrow(/train\.schedule\.warmupEpochs/);
    expect(() => r.build('schedule', { type: 'cosin' }, 'train.schedule')).toThrow(/train\.schedule\.type.*cosine/);
    expect(() => r.build('optimizer', { type: 'adamw', lr: -1 }, 'train.optimizer')).toThrow(/train\.optimizer\.lr/);
  });
});
