import { createRegistry } from '@vitkit/core';
import { describeRegistryContract } from '@vitkit/core/testing';
import { plugin } from './index';

describeRegistryContract(() => createRegistry({ plugins: [plugin] }), { kinds: ['optimizer', 'schedule', 'loss'] });
