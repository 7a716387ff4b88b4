// A dependency-free PNG raster: RGB pixels, filled rectangles and text in a built-in 5×7 capitals font,
// encoded with node:zlib. Chosen over SVG → PNG (rsvg-convert, librsvg2-bin) because it needs no extra
// package and no fonts, so the chart is drawn the same way on any machine that runs the benchmark.
import { deflateSync } from 'node:zlib';

// 5×7 glyphs, one string of 7 rows per character, '#' = ink. Capitals only: text is upper-cased.
const G: Record<string, string> = {
  A: '.###.#...##...#######...##...##...#', B: '####.#...##...#####.#...##...#####.', C: '.###.#...##....#....#....#...#.###.',
  D: '###..#..#.#...##...##...##..#.###..', E: '######....#....####.#....#....#####', F: '######....#....####.#....#....#....',
  G: '.###.#...##....#.####...##...#.####', H: '#...##...##...#######...##...##...#', I: '.###...#....#....#....#....#...###.',
  J: '..###...#....#....#....#.#..#..##..', K: '#...##..#.#.#..##...#.#..#..#.#...#', L: '#....#....#....#....#....#....#####',
  M: '#...###.###.#.##.#.##...##...##...#', N: '#...##...###..##.#.##..###...##...#', O: '.###.#...##...##...##...##...#.###.',
  P: '####.#...##...#####.#....#....#....', Q: '.###.#...##...##...##.#.##..#..##.#', R: '####.#...##...#####.#.#..#..#.#...#',
  S: '.#####....#.....###.....#....#####.', T: '#####..#....#....#....#....#....#..', U: '#...##...##...##...##...##...#.###.',
  V: '#...##...##...##...##...#.#.#...#..', W: '#...##...##...##.#.##.#.##.#.#.#.#.', X: '#...##...#.#.#...#...#.#.#...##...#',
  Y: '#...##...#.#.#...#....#....#....#..', Z: '#####....#...#...#...#...#....#####',
  '0': '.###.#...##..###.#.###..##...#.###.', '1': '..#...##....#....#....#....#...###.', '2': '.###.#...#....#...#...#...#...#####',
  '3': '#####...#...#.....#.....##...#.###.', '4': '...#...##..#.#.#..#.#####...#....#.', '5': '######....####.....#....##...#.###.',
  '6': '..##..#...#....####.#...##...#.###.', '7': '#####....#...#...#...#....#....#...', '8': '.###.#...##...#.###.#...##...#.###.',
  '9': '.###.#...##...#.####....#...#..##..',
  ' ': '...................................', '.': '..........................##...##..', ',': '....................##....#...#....',
  ':': '......##...##........##...##.......', '/': '.........#...#...#...#...#.........', '%': '##...##..#...#...#...#...#..##...##',
  '(': '...#...#...#....#....#.....#.....#.', ')': '.#.....#.....#....#....#...#...#...', '-': '...............#####...............',
  '+': '.......#....#..#####..#....#.......', '=': '..........#####.....#####..........', '_': '..............................#####',
  '?': '.###.#...#....#...#...#.........#..', '<': '...#...#...#...#.....#.....#.....#.', '>': '.#.....#.....#.....#...#...#...#...',
  '#': '.#.#..#.#.#####.#.#.#####.#.#..#.#.', '|': '..#....#....#....#....#....#....#..', '[': '.###..#....#....#....#....#....###.',
  ']': '.###....#....#....#....#....#..###.', "'": '..#....#...........................', '*': '.......#..#.#.#.###.#.#.#..#.......',
  '!': '..#....#....#....#....#.........#..', '±': '..#....#..#####..#....#.......#####',
};

export class Raster {
  readonly px: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    bg: [number, number, number] = [255, 255, 255],
  ) {
    this.px = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.px.set(bg, i * 3);
  }

  rect(x: number, y: number, w: number, h: number, c: [number, number, number]): void {
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w)), y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.px.set(c, (yy * this.width + xx) * 3);
  }

  /** Draws text at (x, y) (top left), `scale` pixels per font dot; returns the width drawn. */
  text(x: number, y: number, s: string, c: [number, number, number] = [0, 0, 0], scale = 2): number {
    let cx = x;
    for (const ch of s.toUpperCase()) {
      const g = G[ch] ?? G['?']!;
      for (let r = 0; r < 7; r++) for (let k = 0; k < 5; k++) if (g[r * 5 + k] === '#') this.rect(cx + k * scale, y + r * scale, scale, scale, c);
      cx += 6 * scale;
    }
    return cx - x;
  }

  static textWidth(s: string, scale = 2): number {
    return [...s].length * 6 * scale;
  }

  png(): Buffer {
    const row = this.width * 3 + 1;
    const raw = Buffer.alloc(row * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * row] = 0; // filter: none
      raw.set(this.px.subarray(y * this.width * 3, (y + 1) * this.width * 3), y * row + 1);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC[(c ^ b[i]!) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
