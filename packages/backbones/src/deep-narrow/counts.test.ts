import { describeOfficialCounts } from '../testing';

// Split in two files for time: building a 40-64M-parameter model (random init) takes a while on a shared CPU.
// The large presets are in counts-large.test.ts.
describeOfficialCounts(['T2T-ViT-7', 'T2T-ViT-10', 'T2T-ViT-12', 'T2T-ViT-14', 'T2T-ViT_t-14']);
