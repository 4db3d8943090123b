import { describeOfficialCounts } from '../testing';

// The large presets (see counts.test.ts for the small ones).
describeOfficialCounts(['T2T-ViT-19', 'T2T-ViT-24', 'T2T-ViT_t-19', 'T2T-ViT_t-24']);
