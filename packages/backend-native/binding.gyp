{
  "variables": {
    # 1 for a prebuilt binary (scripts/prebuild.js): a baseline CPU target and OpenBLAS linked in statically, so the
    # binary runs on any x86-64-v2 / armv8 machine without OpenBLAS installed. 0 (from source): this machine's CPU.
    "vitkit_prebuild%": "0",
    # 1 (from source, set by scripts/build-addon.js where oneDNN's headers and library are installed): convolutions
    # through oneDNN (src/addon/conv-onednn.c), linked dynamically. The prebuilt binary keeps im2col + OpenBLAS.
    "vitkit_onednn%": "0",
    "vitkit_openblas_static%": "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a"
  },
  "targets": [
    {
      "target_name": "vitkit_native",
      "sources": ["src/addon/addon.c", "src/addon/gemm.c", "src/addon/conv.c", "src/addon/conv-onednn.c", "src/addon/elementwise.c", "src/addon/layout.c", "src/addon/optim.c", "src/addon/parallel.c", "src/addon/sgemm.c", "src/addon/pool.c", "src/addon/depthwise.c", "src/addon/scratch.c", "src/addon/batch-norm.c", "src/addon/attention.c", "src/addon/unfold.c", "src/addon/dropout.c"],
      "cflags": ["-O3", "-fno-math-errno", "-std=gnu11", "-Wall", "-Wno-unused-function"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["vitkit_prebuild==1", {
          "defines": ["VITKIT_PORTABLE"],
          "conditions": [
            ["target_arch=='x64'", { "cflags": ["-march=x86-64-v2", "-mtune=generic"] }],
            ["target_arch=='arm64'", { "cflags": ["-march=armv8-a"] }]
          ],
          "libraries": ["<(vitkit_openblas_static)", "-lm", "-lpthread"],
          # OpenBLAS's ~11k symbols stay private to the addon (no clash with another BLAS in the process), and the
          # binary is stripped.
          "ldflags": ["-Wl,--exclude-libs,ALL", "-s"]
        }, {
          "cflags": ["-march=native"],
          "libraries": ["-lopenblas", "-lm", "-lpthread"],
          "conditions": [
            ["vitkit_onednn==1", { "defines": ["VITKIT_ONEDNN"], "cflags": ["-fopenmp"], "libraries": ["-ldnnl", "-lgomp"] }]
          ]
        }]
      ]
    }
  ]
}
