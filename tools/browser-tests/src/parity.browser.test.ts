// The public parity fixtures in a real browser: weights fetched from a URL by `loadWeights`, models built through
// the browser builds of core, tokenizers, backbones and fusion, logits within 1e-4 of the official implementations'
// on each browser engine that needs no extra hardware (wasm; WebGL on SwiftShader).
import { fixturePath } from '@vitkit/core/testing';
import { parityFixtureSpec, publicParityFixtures } from '@vitkit/backbones/testing';
import { openTestPage } from './harness/test-page';
import type { TestPage } from './harness/test-page';
import type { ParityCase } from './page/protocol';

const TOLERANCE = 1e-4;
const BACKENDS = ['wasm', 'webgl'];

describe('parity fixtures in Chromium', () => {
  let page: TestPage;
  const cases: ParityCase[] = publicParityFixtures().map((name) => ({ name, weightsUrl: `/fixtures/${name}.safetensors`, spec: parityFixtureSpec(name) }));
  beforeAll(async () => {
    page = await openTestPage({ folders: { '/fixtures/': fixturePath() } });
  });
  afterAll(() => page?.close());

  it('covers every family of the public set', () => {
    for (const family of ['t2t_', 'crossvit_', 'resnet']) expect(cases.filter((c) => c.name.startsWith(family)).length).toBeGreaterThan(0);
  });

  it.each(BACKENDS)('every fixture reproduces its logits within 1e-4 on %s', async (backend) => {
    const run = await page.call('runParity', backend, cases);
    expect(run.backend).toBe(backend);
    console.log(run.outcomes.map((o) => `${backend} ${o.name}: max |logit diff| ${o.maxAbsDiff.toExponential(2)} (max |logit| ${o.maxAbsLogit.toFixed(3)})`).join('\n'));
    expect(run.outcomes.map((o) => o.name)).toEqual(cases.map((c) => c.name));
    const over = run.outcomes.filter((o) => !(o.maxAbsDiff <= TOLERANCE));
    expect(over).toEqual([]);
    // Logits of real size: a model that returned zeros would not pass by accident.
    for (const o of run.outcomes) expect(o.maxAbsLogit).toBeGreaterThan(0.1);
  });
});
