// The ONNX tab as test:web-app drives it: load an exported model from a File, run it, read what the tab shows.

const MINUTE = 60_000;

/**
 * Chromium flags that give headless Chromium a WebGPU adapter without a GPU: SwiftShader's Vulkan, shipped with
 * Debian's chromium package (libvk_swiftshader.so). The adapter is a fallback (CPU) one, so onnxruntime-web's WebGPU
 * engine runs for real but slowly (its shaders compile on the CPU).
 */
export const SWIFTSHADER_WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/**
 * Opens the ONNX tab, runs the model in `bytes` on the tab's image and returns the status line, the top-5 rows
 * ([label, percent] each), and the timings as "term value" lines (the first one is the engine).
 */
export async function runOnnxTab(page, bytes, fileName) {
  await page.click('#tab-onnx');
  await page.setInputFiles('#onnx-file', { name: fileName, mimeType: 'application/octet-stream', buffer: bytes });
  await page.click('#onnx-run');
  await page.waitForSelector('#onnx-form[data-state="done"], #onnx-form[data-state="failed"]', { timeout: 5 * MINUTE });
  return {
    status: await page.textContent('#onnx-status'),
    top: await page.$$eval('#onnx-top5 tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent))),
    timings: await page.$$eval('#onnx-timings dt', (dts) => dts.map((dt) => `${dt.textContent} ${dt.nextElementSibling?.textContent}`)),
  };
}

/** Problems when the tab's top-5 is not `want`'s top-1 class at the same probability (to 0.05 points). */
export function topOneProblems(what, got, want) {
  const percent = (cell) => Number.parseFloat(cell ?? 'NaN');
  if (got.top.length === 5 && got.top[0][0] === want[0][0] && Math.abs(percent(got.top[0][1]) - percent(want[0][1])) <= 0.05) return [];
  return [`${what}: top-5 ${JSON.stringify(got.top)} differs from the Predict tab's ${JSON.stringify(want)} for the same model and image (status: ${got.status})`];
}
