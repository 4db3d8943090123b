/**
 * A jet-like colormap (blue → cyan → yellow → red), the piecewise-linear approximation of MATLAB's `jet`:
 * each channel is a trapezoid over [0, 1]. `t` is clamped to [0, 1]; returns 0–255 RGB.
 */
export function jet(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const channel = (centre: number) => Math.min(1, Math.max(0, 1.5 - Math.abs(4 * x - centre)));
  return [Math.round(255 * channel(3)), Math.round(255 * channel(2)), Math.round(255 * channel(1))];
}
