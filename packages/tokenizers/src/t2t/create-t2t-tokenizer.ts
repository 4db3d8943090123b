import { ConvolutionT2TTokenizer } from './convolution-t2t-tokenizer';
import { PerformerT2TTokenizer } from './performer-t2t-tokenizer';
import type { T2TOptions } from './t2t-options';
import type { T2TTokenizer } from './t2t-tokenizer';
import { TransformerT2TTokenizer } from './transformer-t2t-tokenizer';

/** The T2T tokenizer variant the `attention` option names (what the registry's `t2t` tokenizer builds). */
export function createT2TTokenizer(options: T2TOptions, path = 'tokenizer'): T2TTokenizer {
  switch (options.attention) {
    case 'performer':
      return new PerformerT2TTokenizer(options, path);
    case 'transformer':
      return new TransformerT2TTokenizer(options, path);
    case 'convolution':
      return new ConvolutionT2TTokenizer(options, path);
  }
}
