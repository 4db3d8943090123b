import * as fs from 'fs';
import * as path from 'path';

/**
 * The model spec of a ResNet parity fixture (`resnet18_narrow`, `resnet_bottleneck_narrow`): the official torchvision
 * constructor's arguments, written as a vitkit spec next to this file.
 */
export function resnetFixtureSpec(name: string): { type: string } & Record<string, unknown> {
  const file = path.join(__dirname, 'resnet-fixture-specs', `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`no ResNet fixture spec ${file}`);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { model: { type: string } & Record<string, unknown> }).model;
}
