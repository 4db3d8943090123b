// Reads back the pictures a report embeds, for the tests of its attention section.
import sharp from 'sharp';

export interface DecodedPng {
  width: number;
  height: number;
  channels: number;
  pixels: Buffer;
}

/** The PNGs embedded in an HTML page as `data:image/png;base64,…` sources, decoded to raw pixels, in page order. */
export async function embeddedPngs(html: string): Promise<DecodedPng[]> {
  const uris = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
  return Promise.all(
    uris.map(async (png) => {
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, channels: info.channels, pixels: data };
    }),
  );
}
