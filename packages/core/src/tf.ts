// The union package registers every gradient as a side effect; tfjs-core alone does not in Node's CommonJS
// build, so all vitkit code takes `tf` from here (one instance, the peer dependency).
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
export type Rank = tf.Rank;
