import { createRegistry } from '@vitkit/core';
import { describeRegistryContract, useBackend } from '@vitkit/core/testing';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as backbones } from './plugin';

beforeAll(() => useBackend('wasm'));

describeRegistryContract(() => createRegistry({ plugins: [tokenizers, fusion, backbones] }));
