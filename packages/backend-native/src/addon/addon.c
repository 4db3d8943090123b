// Module registration of the vitkit native addon.
#include <cblas.h>
#include "napi-util.h"
#include "parallel.h"
#include "vitkit-native.h"

static napi_value init(napi_env env, napi_value exports) {
  // OpenBLAS's default thread count ($OPENBLAS_NUM_THREADS, else every core) becomes the pool's; OpenBLAS itself
  // then runs each GEMM part on the calling thread (sgemm.h says why).
  if (vk_pool_threads() == 1) vk_set_pool_threads(openblas_get_num_threads());
  openblas_set_num_threads(1);
  const napi_property_descriptor props[] = {
      {"gemmBatched", NULL, vk_gemm_batched, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, vk_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"getThreads", NULL, vk_get_threads, NULL, NULL, NULL, napi_default, NULL},
      {"blasConfig", NULL, vk_blas_config, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, vk_conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropInput", NULL, vk_conv2d_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackpropFilter", NULL, vk_conv2d_backprop_filter, NULL, NULL, NULL, napi_default, NULL},
      {"convLibrary", NULL, vk_conv_library, NULL, NULL, NULL, napi_default, NULL},
      {"gemmLibrary", NULL, vk_gemm_library, NULL, NULL, NULL, napi_default, NULL},
      {"gelu", NULL, vk_gelu, NULL, NULL, NULL, napi_default, NULL},
      {"geluGrad", NULL, vk_gelu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"layerNorm", NULL, vk_layer_norm, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormGrad", NULL, vk_layer_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"softmax", NULL, vk_softmax, NULL, NULL, NULL, napi_default, NULL},
      {"transpose", NULL, vk_transpose, NULL, NULL, NULL, napi_default, NULL},
      {"binary", NULL, vk_binary, NULL, NULL, NULL, napi_default, NULL},
      {"reduceSum", NULL, vk_reduce_sum, NULL, NULL, NULL, napi_default, NULL},
      {"adamW", NULL, vk_adamw, NULL, NULL, NULL, napi_default, NULL},
      {"unary", NULL, vk_unary, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, vk_relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool", NULL, vk_max_pool, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, vk_max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"depthwiseConv2d", NULL, vk_depthwise_conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"mhaForward", NULL, vk_mha_forward, NULL, NULL, NULL, napi_default, NULL},
      {"mhaBackward", NULL, vk_mha_backward, NULL, NULL, NULL, napi_default, NULL},
      {"depthwiseConv2dBackpropInput", NULL, vk_depthwise_conv2d_backprop_input, NULL, NULL, NULL, napi_default, NULL},
      {"batchNorm", NULL, vk_batch_norm, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormGrad", NULL, vk_batch_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormAffine", NULL, vk_batch_norm_affine, NULL, NULL, NULL, napi_default, NULL},
      {"unfold", NULL, vk_unfold, NULL, NULL, NULL, napi_default, NULL},
      {"unfoldGrad", NULL, vk_unfold_grad, NULL, NULL, NULL, napi_default, NULL},
      {"dropout", NULL, vk_dropout, NULL, NULL, NULL, napi_default, NULL},
      {"dropoutGrad", NULL, vk_dropout_grad, NULL, NULL, NULL, napi_default, NULL},
      {"copyRows", NULL, vk_copy_rows, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
