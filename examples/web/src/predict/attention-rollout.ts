import { AttentionRecorder } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import { modelRollouts } from '@vitkit/explain';

/** An attention rollout map over the patch grid of the first image, row-major. */
export interface AttentionGrid {
  rows: number;
  cols: number;
  values: Float32Array;
  /** What the map explains: the ViT / T2T-ViT blocks, or a CrossViT branch. */
  label: string;
}

/**
 * Records every attention of the next forward pass (core's AttentionRecorder) and turns it into the attention rollout
 * of @vitkit/explain (Abnar & Zuidema): the class token's attention carried through all blocks onto the patches. For
 * CrossViT, branch 0's map. `release()` frees what was recorded.
 */
export class RolloutProbe {
  private constructor(
    private readonly recorder: AttentionRecorder,
    private readonly model: ImageClassifier,
  ) {}

  static watch(model: ImageClassifier): RolloutProbe {
    return new RolloutProbe(AttentionRecorder.start(model), model);
  }

  /** The last forward's rollout; throws (naming the recorded modules) when the model has no transformer blocks. */
  async read(): Promise<AttentionGrid> {
    this.recorder.stop();
    const rollouts = modelRollouts(this.recorder.maps, this.model.config.inputSize);
    try {
      const { name, map } = rollouts[0];
      const [, rows, cols] = map.shape;
      const values = ((await map.data()) as Float32Array).slice(0, rows * cols);
      const label = name === 'vit' ? 'attention rollout over the blocks' : `attention rollout, CrossViT ${name} (of ${rollouts.length})`;
      return { rows, cols, values, label };
    } finally {
      for (const r of rollouts) r.map.dispose();
    }
  }

  release(): void {
    this.recorder.dispose();
  }
}
