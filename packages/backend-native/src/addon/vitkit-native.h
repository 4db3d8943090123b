// Entry points of the vitkit native addon (one file per family: gemm.c, conv.c, elementwise.c, layout.c, optim.c, unfold.c, dropout.c, …).
#ifndef VITKIT_NATIVE_H
#define VITKIT_NATIVE_H
#include <node_api.h>

napi_value vk_gemm_batched(napi_env env, napi_callback_info info);
napi_value vk_set_threads(napi_env env, napi_callback_info info);
napi_value vk_get_threads(napi_env env, napi_callback_info info);
napi_value vk_blas_config(napi_env env, napi_callback_info info);
napi_value vk_gemm_library(napi_env env, napi_callback_info info);
napi_value vk_conv2d(napi_env env, napi_callback_info info);
napi_value vk_conv2d_backprop_input(napi_env env, napi_callback_info info);
napi_value vk_conv2d_backprop_filter(napi_env env, napi_callback_info info);
napi_value vk_conv_library(napi_env env, napi_callback_info info);
napi_value vk_gelu(napi_env env, napi_callback_info info);
napi_value vk_gelu_grad(napi_env env, napi_callback_info info);
napi_value vk_layer_norm(napi_env env, napi_callback_info info);
napi_value vk_layer_norm_grad(napi_env env, napi_callback_info info);
napi_value vk_softmax(napi_env env, napi_callback_info info);
napi_value vk_transpose(napi_env env, napi_callback_info info);
napi_value vk_binary(napi_env env, napi_callback_info info);
napi_value vk_reduce_sum(napi_env env, napi_callback_info info);
napi_value vk_adamw(napi_env env, napi_callback_info info);
napi_value vk_unary(napi_env env, napi_callback_info info);
napi_value vk_max_pool(napi_env env, napi_callback_info info);
napi_value vk_max_pool_grad(napi_env env, napi_callback_info info);
napi_value vk_depthwise_conv2d(napi_env env, napi_callback_info info);
napi_value vk_depthwise_conv2d_backprop_input(napi_env env, napi_callback_info info);
napi_value vk_batch_norm(napi_env env, napi_callback_info info);
napi_value vk_batch_norm_grad(napi_env env, napi_callback_info info);
napi_value vk_batch_norm_affine(napi_env env, napi_callback_info info);
napi_value vk_relu_grad(napi_env env, napi_callback_info info);
napi_value vk_mha_forward(napi_env env, napi_callback_info info);
napi_value vk_mha_backward(napi_env env, napi_callback_info info);
napi_value vk_unfold(napi_env env, napi_callback_info info);
napi_value vk_unfold_grad(napi_env env, napi_callback_info info);
napi_value vk_dropout(napi_env env, napi_callback_info info);
napi_value vk_dropout_grad(napi_env env, napi_callback_info info);
napi_value vk_copy_rows(napi_env env, napi_callback_info info);

#endif
