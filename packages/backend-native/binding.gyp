{
  "targets": [
    {
      "target_name": "vitkit_native",
      "sources": ["src/addon/addon.c", "src/addon/gemm.c", "src/addon/conv.c", "src/addon/elementwise.c", "src/addon/layout.c", "src/addon/optim.c", "src/addon/parallel.c", "src/addon/sgemm.c"],
      "cflags": ["-O3", "-march=native", "-fno-math-errno", "-std=gnu11", "-Wall", "-Wno-unused-function"],
      "libraries": ["-lopenblas", "-lm", "-lpthread"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
