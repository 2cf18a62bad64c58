// The picture inside the image flow's PNGs: a landscape (sky gradient, sun or moon, sea or meadow,
// hills, a lighthouse or a house) whose time of day, colours and positions come from the prompt's
// words and hash, drawn with a few scanline primitives so a megapixel costs milliseconds.
// Hand-written: no package serves the Responses API offline, and none draws this cheaply.
import { createHash } from 'node:crypto';

/** RGB rows in PNG scanline layout: `stride` = 1 filter byte + 3 bytes a pixel. */
export interface Raster {
  width: number;
  height: number;
  stride: number;
  data: Buffer;
}

type Rgb = readonly [number, number, number];
type TimeOfDay = 'day' | 'dusk' | 'dawn' | 'night';

export interface Scene {
  time: TimeOfDay;
  skyTop: Rgb;
  skyHorizon: Rgb;
  /** Horizon height as a fraction of the image height. */
  horizon: number;
  sun: { x: number; y: number; r: number; color: Rgb; glow: Rgb };
  clouds: Array<{ x: number; y: number; s: number }>;
  stars: Array<{ x: number; y: number }>;
  sea: boolean;
  waterTop: Rgb;
  waterBottom: Rgb;
  farHills: { color: Rgb; height: number; f1: number; p1: number; f2: number; p2: number };
  land: { color: Rgb; shade: Rgb; top: number; curve: number; wobble: number; phase: number };
  waves: Array<{ y: number; x: number; w: number }>;
  structure: 'lighthouse' | 'house';
  /** Where the structure stands, as a fraction of the width; the land is highest there. */
  sx: number;
  accent: Rgb;
  roof: Rgb;
  lit: boolean;
}

const PALETTES: Record<
  TimeOfDay,
  { top: Rgb; horizon: Rgb; sun: Rgb; glow: Rgb; waterTop: Rgb; waterBottom: Rgb; far: Rgb; land: Rgb; shade: Rgb }
> = {
  day: {
    top: [62, 124, 206],
    horizon: [178, 216, 244],
    sun: [255, 244, 190],
    glow: [255, 250, 220],
    waterTop: [52, 124, 178],
    waterBottom: [18, 62, 112],
    far: [122, 160, 150],
    land: [96, 160, 78],
    shade: [52, 108, 50],
  },
  dusk: {
    top: [52, 44, 112],
    horizon: [250, 146, 86],
    sun: [255, 206, 120],
    glow: [255, 170, 90],
    waterTop: [120, 82, 120],
    waterBottom: [34, 28, 68],
    far: [92, 62, 96],
    land: [54, 44, 66],
    shade: [26, 20, 38],
  },
  dawn: {
    top: [118, 148, 212],
    horizon: [252, 196, 172],
    sun: [255, 232, 178],
    glow: [255, 214, 190],
    waterTop: [126, 146, 186],
    waterBottom: [48, 70, 112],
    far: [140, 140, 164],
    land: [110, 146, 106],
    shade: [62, 90, 70],
  },
  night: {
    top: [8, 14, 40],
    horizon: [38, 52, 96],
    sun: [236, 236, 214],
    glow: [120, 140, 190],
    waterTop: [22, 36, 72],
    waterBottom: [6, 10, 30],
    far: [30, 38, 60],
    land: [24, 34, 42],
    shade: [10, 14, 20],
  },
};
const ACCENTS: Rgb[] = [
  [196, 40, 40],
  [32, 84, 160],
  [30, 120, 84],
  [220, 140, 30],
];
const WALLS: Rgb[] = [
  [236, 226, 200],
  [200, 80, 60],
  [240, 206, 110],
  [150, 186, 214],
];
const ROOFS: Rgb[] = [
  [120, 40, 34],
  [60, 64, 80],
  [92, 60, 40],
  [150, 60, 30],
];

/** The scene for a prompt: its words pick what they name (dusk, sea, house…), its hash the rest. */
export function sceneFor(prompt: string, fallbackSeed: string): Scene {
  const words = prompt.replace(/\s+/g, ' ').trim().toLowerCase();
  const rng = random(words === '' ? `item:${fallbackSeed}` : `prompt:${words}`);
  const time: TimeOfDay = /\b(night|moon|moonlit|stars?|starry|midnight)\b/.test(words)
    ? 'night'
    : /\b(dusk|sunset|evening|twilight)\b/.test(words)
      ? 'dusk'
      : /\b(dawn|sunrise|morning)\b/.test(words)
        ? 'dawn'
        : /\b(day|noon|sunny|afternoon)\b/.test(words)
          ? 'day'
          : rng.pick(['day', 'day', 'day', 'dusk', 'dusk', 'dawn', 'night'] as const);
  const structure = /\b(lighthouses?|towers?|beacons?)\b/.test(words)
    ? 'lighthouse'
    : /\b(houses?|homes?|cottages?|cabins?|barns?|farms?|villages?|huts?)\b/.test(words)
      ? 'house'
      : rng.pick(['lighthouse', 'house'] as const);
  const sea = /\b(sea|seas|ocean|beach|boats?|ships?|sail\w*|coast\w*|lake|island|harbou?r|shore|waves?|lighthouses?)\b/.test(words)
    ? true
    : /\b(meadow|field|farm|hills?|garden|valley|countryside|village|forest)\b/.test(words)
      ? false
      : structure === 'lighthouse' || rng.next() < 0.4;
  const p = PALETTES[time];
  const jitter = (c: Rgb, amount = 14): Rgb =>
    [c[0] + rng.range(-amount, amount), c[1] + rng.range(-amount, amount), c[2] + rng.range(-amount, amount)].map(
      clampByte,
    ) as unknown as Rgb;
  const left = rng.next() < 0.5;
  const sx = left ? rng.range(0.18, 0.32) : rng.range(0.68, 0.82);
  const horizon = rng.range(0.56, 0.64);
  const sunX = left ? rng.range(0.55, 0.85) : rng.range(0.15, 0.45);
  const sunY = time === 'dusk' || time === 'dawn' ? horizon - rng.range(0.06, 0.16) : rng.range(0.14, 0.28);
  const clouds =
    time === 'night'
      ? []
      : Array.from({ length: 2 + Math.floor(rng.next() * 3) }, () => ({
          x: rng.range(0.05, 0.95),
          y: rng.range(0.08, horizon - 0.2),
          s: rng.range(0.05, 0.09),
        }));
  const stars = time === 'night' ? Array.from({ length: 90 }, () => ({ x: rng.next(), y: rng.range(0, horizon - 0.04) })) : [];
  const waves = Array.from({ length: 26 }, (_, k) => {
    const t = (k + rng.next() * 0.8) / 26;
    return { y: horizon + (1 - horizon) * t ** 1.35, x: rng.next(), w: rng.range(0.04, 0.12) * (0.4 + t) };
  });
  return {
    time,
    skyTop: jitter(p.top),
    skyHorizon: jitter(p.horizon),
    horizon,
    sun: { x: sunX, y: sunY, r: rng.range(0.055, 0.085), color: p.sun, glow: p.glow },
    clouds,
    stars,
    sea,
    waterTop: jitter(sea ? p.waterTop : mix(p.land, p.far, 0.5)),
    waterBottom: jitter(sea ? p.waterBottom : p.land),
    farHills: {
      color: jitter(p.far),
      height: rng.range(0.05, 0.11),
      f1: rng.range(5, 9),
      p1: rng.range(0, 6.3),
      f2: rng.range(13, 21),
      p2: rng.range(0, 6.3),
    },
    land: {
      color: jitter(p.land),
      shade: p.shade,
      top: horizon + rng.range(0.1, 0.14),
      curve: sea ? rng.range(1.1, 1.6) : rng.range(0.25, 0.45),
      wobble: rng.range(0.008, 0.02),
      phase: rng.range(0, 6.3),
    },
    waves,
    structure,
    sx,
    accent: structure === 'lighthouse' ? rng.pick(ACCENTS) : rng.pick(WALLS),
    roof: rng.pick(ROOFS),
    lit: time === 'dusk' || time === 'night',
  };
}

/**
 * Draws `scene` over the whole raster. `detail` (0–1] leaves out the small things early partials
 * would not have resolved yet (stars, waves, windows, the beam); 1 is the final picture.
 */
export function drawScene(raster: Raster, scene: Scene, detail: number): void {
  const { width: w, height: h } = raster;
  const s = Math.min(w, h);
  const hy = Math.round(scene.horizon * h);
  const d = new Draw(raster);

  for (let y = 0; y < hy; y++) d.span(y, 0, w, mix(scene.skyTop, scene.skyHorizon, (y / hy) ** 1.3));
  if (detail >= 0.5) {
    // Sized to the picture: on a small (coarse) raster a star is a faint sub-pixel, not a blob.
    const star = s / 300;
    for (const st of scene.stars) d.rect(st.x * w, st.y * h, star, star, [240, 240, 255], 0.5 + 0.5 * ((st.x * 97) % 1));
  }
  const sun = scene.sun;
  const sunX = sun.x * w;
  const sunY = sun.y * h;
  const sunR = sun.r * s;
  d.glow(sunX, sunY, sunR * 4, scene.sun.glow, scene.time === 'night' ? 0.4 : 0.75, hy);
  d.circle(sunX, sunY, sunR, sun.color, 1, hy);
  if (scene.time === 'night' && detail >= 0.5) {
    for (const [dx, dy, k] of [
      [-0.3, -0.25, 0.28],
      [0.35, 0.1, 0.2],
      [-0.05, 0.45, 0.16],
    ] as const)
      d.circle(sunX + dx * sunR, sunY + dy * sunR, k * sunR, [150, 150, 140], 0.25, hy);
  }
  const cloudColor = mix([255, 255, 255], scene.skyHorizon, scene.time === 'day' ? 0.1 : 0.45);
  for (const c of scene.clouds) {
    const r = c.s * s;
    const cx = c.x * w;
    const cy = c.y * h;
    for (const [dx, dy, k] of [
      [-1.1, 0.25, 0.7],
      [0, 0, 1],
      [1.0, 0.15, 0.8],
      [0.45, -0.35, 0.75],
      [-0.5, -0.2, 0.6],
    ] as const) {
      d.circle(cx + dx * r, cy + dy * r, r * k, cloudColor, 1, hy);
    }
    d.rect(cx - 1.6 * r, cy + 0.3 * r, 3.3 * r, 0.55 * r, cloudColor, 1, hy);
  }

  // Distant hills on the horizon, then the water (or the far field) down to the bottom.
  const far = scene.farHills;
  d.landBelow(
    (u) => scene.horizon - far.height * (0.55 + 0.3 * Math.sin(u * far.f1 + far.p1) + 0.15 * Math.sin(u * far.f2 + far.p2)),
    far.color,
    far.color,
    0,
    hy,
  );
  for (let y = hy; y < h; y++) d.span(y, 0, w, mix(scene.waterTop, scene.waterBottom, (y - hy) / (h - hy)));
  if (scene.sea) {
    // The sun's reflection: broken bands widening towards the viewer.
    const band = Math.max(1, Math.round(h / 90));
    for (let y = hy; y < h; y++) {
      if (Math.floor((y - hy) / band) % 2 === 1) continue;
      const t = (y - hy) / (h - hy);
      const half = sunR * (0.5 + 1.6 * t) * (0.75 + 0.25 * Math.sin(y * 0.7));
      d.span(y, sunX - half, sunX + half, sun.color, 0.55 * (1 - t * 0.7));
    }
    if (detail >= 0.5) {
      const thick = Math.max(1, Math.round(h / 300));
      for (const wave of scene.waves) d.rect((wave.x - wave.w / 2) * w, wave.y * h, wave.w * w, thick, scene.skyHorizon, 0.35);
    }
  }

  // The land the structure stands on: a headland into the sea, or a long hill across the meadow.
  const land = scene.land;
  const landTop = (u: number): number => land.top + land.curve * (u - scene.sx) ** 2 + land.wobble * Math.sin(u * 23 + land.phase);
  d.landBelow(landTop, land.color, land.shade, h, 0);
  const base = landTop(scene.sx) * h;
  if (scene.structure === 'lighthouse') drawLighthouse(d, scene, scene.sx * w, base + s * 0.01, s, detail);
  else drawHouse(d, scene, scene.sx * w, base + s * 0.015, s, detail);
}

function drawLighthouse(d: Draw, scene: Scene, cx: number, base: number, s: number, detail: number): void {
  const towerH = s * 0.3;
  const bottomHalf = s * 0.045;
  const topHalf = s * 0.03;
  const top = base - towerH;
  const stripes = 5;
  for (let i = 0; i < stripes; i++) {
    const y0 = base - (towerH * i) / stripes;
    const y1 = base - (towerH * (i + 1)) / stripes;
    const half0 = bottomHalf + ((topHalf - bottomHalf) * i) / stripes;
    const half1 = bottomHalf + ((topHalf - bottomHalf) * (i + 1)) / stripes;
    const color = i % 2 === 0 ? scene.accent : ([240, 238, 230] as const);
    d.polygon(
      [
        [cx - half0, y0],
        [cx + half0, y0],
        [cx + half1, y1],
        [cx - half1, y1],
      ],
      shadeFor(scene, color),
    );
  }
  // Gallery, lantern room and roof.
  d.rect(cx - topHalf * 1.5, top - s * 0.012, topHalf * 3, s * 0.014, [40, 40, 46]);
  const lanternH = s * 0.045;
  const lantern: Rgb = scene.lit ? [255, 236, 150] : [180, 206, 220];
  d.rect(cx - topHalf * 0.9, top - s * 0.012 - lanternH, topHalf * 1.8, lanternH, lantern);
  const roofBase = top - s * 0.012 - lanternH;
  d.polygon(
    [
      [cx - topHalf * 1.3, roofBase],
      [cx + topHalf * 1.3, roofBase],
      [cx, roofBase - s * 0.045],
    ],
    scene.roof,
  );
  if (detail >= 0.5) d.rect(cx - s * 0.011, base - s * 0.04, s * 0.022, s * 0.04, [50, 40, 36]);
  if (scene.lit && detail >= 0.5) {
    // The beam, swept out over the sea.
    const ly = roofBase + lanternH / 2;
    const toRight = cx < d.raster.width / 2;
    const edge = toRight ? d.raster.width : 0;
    d.polygon(
      [
        [cx, ly - lanternH * 0.3],
        [edge, ly - s * 0.09],
        [edge, ly + s * 0.05],
        [cx, ly + lanternH * 0.3],
      ],
      [255, 244, 190],
      scene.time === 'night' ? 0.32 : 0.2,
    );
  }
}

function drawHouse(d: Draw, scene: Scene, cx: number, base: number, s: number, detail: number): void {
  const half = s * 0.085;
  const wallH = s * 0.12;
  const top = base - wallH;
  d.rect(cx + half * 0.35, top - s * 0.09, s * 0.025, s * 0.07, shadeFor(scene, [150, 70, 60]));
  d.rect(cx - half, top, half * 2, wallH, shadeFor(scene, scene.accent));
  d.polygon(
    [
      [cx - half * 1.2, top + 1],
      [cx + half * 1.2, top + 1],
      [cx, top - s * 0.085],
    ],
    shadeFor(scene, scene.roof),
  );
  if (detail < 0.5) return;
  const glass: Rgb = scene.lit ? [255, 222, 130] : [170, 210, 235];
  d.rect(cx - s * 0.018, base - s * 0.065, s * 0.036, s * 0.065, [84, 52, 36]);
  for (const side of [-1, 1]) d.rect(cx + side * half * 0.62 - s * 0.02, top + wallH * 0.22, s * 0.04, s * 0.035, glass);
}

/** Colours in the dark scenes lose their brightness like the rest of the land. */
function shadeFor(scene: Scene, color: Rgb): Rgb {
  return scene.time === 'night' ? mix(color, [10, 14, 30], 0.6) : scene.time === 'dusk' ? mix(color, [40, 24, 50], 0.35) : color;
}

/** Scanline primitives over a raster: spans, rectangles, convex polygons, discs, a radial glow. */
class Draw {
  readonly raster: Raster;

  constructor(raster: Raster) {
    this.raster = raster;
  }

  /** Fills [x0, x1) of row y, blended with `alpha`. */
  span(y: number, x0: number, x1: number, c: Rgb, alpha = 1): void {
    const { width, stride, data } = this.raster;
    if (y < 0 || y >= this.raster.height) return;
    const a = Math.max(0, Math.round(x0));
    const b = Math.min(width, Math.round(x1));
    if (b <= a) return;
    let o = y * stride + 1 + a * 3;
    const end = y * stride + 1 + b * 3;
    if (alpha >= 1) {
      data[o] = c[0];
      data[o + 1] = c[1];
      data[o + 2] = c[2];
      // Long runs double the filled part with a native copy (sky and water rows are whole spans).
      for (let filled = 3; o + filled < end; filled *= 2) data.copyWithin(o + filled, o, Math.min(o + filled, end - filled));
      return;
    }
    const keep = 1 - alpha;
    const r = c[0] * alpha;
    const g = c[1] * alpha;
    const bl = c[2] * alpha;
    for (; o < end; o += 3) {
      data[o] = data[o]! * keep + r;
      data[o + 1] = data[o + 1]! * keep + g;
      data[o + 2] = data[o + 2]! * keep + bl;
    }
  }

  /** A rectangle; one thinner than a pixel covers one pixel, fainter by the part it would cover. */
  rect(x: number, y: number, w: number, h: number, c: Rgb, alpha = 1, yMax = this.raster.height): void {
    const limit = Math.min(yMax, this.raster.height);
    const y0 = Math.max(0, Math.round(y));
    const y1 = Math.min(limit, Math.max(Math.round(y + h), y0 + 1));
    const coverage = Math.min(1, h) * Math.min(1, w);
    for (let row = y0; row < y1; row++) this.span(row, x, Math.max(x + w, Math.round(x) + 1), c, alpha * coverage);
  }

  circle(cx: number, cy: number, r: number, c: Rgb, alpha = 1, yMax = this.raster.height): void {
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(yMax, this.raster.height, Math.ceil(cy + r));
    for (let y = y0; y < y1; y++) {
      const dy = y + 0.5 - cy;
      const half = Math.sqrt(Math.max(0, r * r - dy * dy));
      if (half > 0) this.span(y, cx - half, cx + half, c, alpha);
    }
  }

  /** A convex polygon, filled between the leftmost and rightmost edge crossing of each row. */
  polygon(points: ReadonlyArray<readonly [number, number]>, c: Rgb, alpha = 1): void {
    const ys = points.map((p) => p[1]);
    const y0 = Math.max(0, Math.floor(Math.min(...ys)));
    const y1 = Math.min(this.raster.height, Math.ceil(Math.max(...ys)));
    for (let y = y0; y < y1; y++) {
      const py = y + 0.5;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < points.length; i++) {
        const [ax, ay] = points[i]!;
        const [bx, by] = points[(i + 1) % points.length]!;
        if ((py < ay && py < by) || (py > ay && py > by) || ay === by) continue;
        const x = ax + ((py - ay) * (bx - ax)) / (by - ay);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      if (hi > lo) this.span(y, lo, hi, c, alpha);
    }
  }

  /** Brightens towards `c` around a point, fading out to nothing at radius r; rows at or below yMax untouched. */
  glow(cx: number, cy: number, r: number, c: Rgb, strength: number, yMax: number): void {
    const { width, stride, data } = this.raster;
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(yMax, this.raster.height, Math.ceil(cy + r));
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(width, Math.ceil(cx + r));
    const inv = 1 / (r * r);
    for (let y = y0; y < y1; y++) {
      const dy = y + 0.5 - cy;
      let o = y * stride + 1 + x0 * 3;
      for (let x = x0; x < x1; x++, o += 3) {
        const dx = x + 0.5 - cx;
        // A smooth bump in the squared distance: no square root per pixel.
        const t = 1 - (dx * dx + dy * dy) * inv;
        if (t <= 0) continue;
        const a = strength * t * t * t;
        data[o] = data[o]! + (c[0] - data[o]!) * a;
        data[o + 1] = data[o + 1]! + (c[1] - data[o + 1]!) * a;
        data[o + 2] = data[o + 2]! + (c[2] - data[o + 2]!) * a;
      }
    }
  }

  /**
   * Fills everything below `top(u)` (u = x / width, heights as fractions of the height) down to
   * row `bottom` (0: to the horizon row the caller passes as `limit`), shading from `color` at the
   * top of the land to `shade` at the bottom of the image.
   */
  landBelow(top: (u: number) => number, color: Rgb, shade: Rgb, bottom: number, limit: number): void {
    const { width, height, stride, data } = this.raster;
    const end = bottom > 0 ? bottom : limit;
    const tops = new Int32Array(width);
    let highest = end;
    for (let x = 0; x < width; x++) {
      const t = Math.round(top((x + 0.5) / width) * height);
      tops[x] = t;
      highest = Math.min(highest, t);
    }
    for (let y = Math.max(0, highest); y < end; y++) {
      const [r, g, b] = mix(color, shade, (y - highest) / Math.max(1, height - highest));
      let o = y * stride + 1;
      for (let x = 0; x < width; x++, o += 3) {
        if (y < tops[x]!) continue;
        data[o] = r;
        data[o + 1] = g;
        data[o + 2] = b;
      }
    }
  }
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  const k = Math.min(1, Math.max(0, t));
  return [a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k, a[2] + (b[2] - a[2]) * k];
}

function clampByte(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v)));
}

/** A small deterministic generator (mulberry32) seeded by the sha256 of `seed`. */
function random(seed: string): { next(): number; range(lo: number, hi: number): number; pick<T>(items: readonly T[]): T } {
  let state = createHash('sha256').update(`switchyard-scene:${seed}`).digest().readUInt32LE(0);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
