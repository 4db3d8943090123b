/** Where the Train tab's MNIST digits are served, relative to the app: written by the build, fetched by the page. */
export const MNIST_ASSETS = { images: 'mnist/train-images-idx3-ubyte', labels: 'mnist/train-labels-idx1-ubyte' } as const;
