// onnxruntime-node creates its output arrays in Node's own realm, and onnxruntime-common checks them with
// `instanceof Float32Array` in jest's sandbox realm, which fails. Tests see the host's typed-array classes instead.
const { TestEnvironment } = require('jest-environment-node');

class HostTypedArrays extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['Float32Array', 'Float64Array', 'Int32Array', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer']) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = HostTypedArrays;
