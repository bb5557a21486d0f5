/**
 * src/data/audio.ts against independent definitions: the FFT against the DFT sum
 * computed directly, the mel scale against the HTK formula, the Hann-windowed power
 * spectrum of a pure tone against its closed form, and WAV decoding of bytes built here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fft, hannWindow, hzToMel, melFilterbank, melToHz, powerSpectrogram, logMelSpectrogram, readWav } from "../../src/data/audio.js";
import { Generator } from "../../src/index.js";

function dft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length, outR = new Float64Array(n), outI = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      outR[k] += re[t] * Math.cos(a) - im[t] * Math.sin(a);
      outI[k] += re[t] * Math.sin(a) + im[t] * Math.cos(a);
    }
  }
  return [outR, outI];
}

test("audio: fft matches the directly computed DFT (complex input, n = 1..512)", () => {
  const g = new Generator(0);
  for (const n of [1, 2, 4, 8, 64, 512]) {
    const re = Float64Array.from({ length: n }, () => g.normal()), im = Float64Array.from({ length: n }, () => g.normal());
    const [er, ei] = dft(re, im);
    fft(re, im);
    for (let k = 0; k < n; k++) {
      assert.ok(Math.abs(re[k] - er[k]) < 1e-9 * n && Math.abs(im[k] - ei[k]) < 1e-9 * n, `n=${n} bin ${k}: ${re[k]},${im[k]} vs ${er[k]},${ei[k]}`);
    }
  }
});

test("audio: inverse fft / n recovers the signal; bad lengths are rejected", () => {
  const g = new Generator(1);
  const x = Float64Array.from({ length: 128 }, () => g.normal());
  const re = x.slice(), im = new Float64Array(128);
  fft(re, im);
  fft(re, im, true);
  for (let i = 0; i < 128; i++) assert.ok(Math.abs(re[i] / 128 - x[i]) < 1e-12 && Math.abs(im[i] / 128) < 1e-12);
  assert.throws(() => fft(new Float64Array(12), new Float64Array(12)), /power of two, got 12/);
});

test("audio: mel scale follows 2595·log10(1 + f/700) and melToHz inverts it", () => {
  for (const f of [0, 100, 440, 700, 1000, 4000, 8000, 11025]) {
    assert.ok(Math.abs(hzToMel(f) - 2595 * Math.log10(1 + f / 700)) < 1e-9);
    assert.ok(Math.abs(melToHz(hzToMel(f)) - f) < 1e-9 * Math.max(1, f));
  }
  assert.ok(Math.abs(hzToMel(700) - 2595 * Math.log10(2)) < 1e-12);
});

test("audio: mel filters are unit-peak triangles at mel-spaced centres", () => {
  const sr = 16000, nFft = 512, nMels = 20, bins = 257;
  const fb = melFilterbank(nMels, nFft, sr);
  const step = hzToMel(sr / 2) / (nMels + 1);
  for (let m = 0; m < nMels; m++) {
    const centre = 700 * (10 ** ((step * (m + 1)) / 2595) - 1), lo = 700 * (10 ** ((step * m) / 2595) - 1), hi = 700 * (10 ** ((step * (m + 2)) / 2595) - 1);
    for (let k = 0; k < bins; k++) {
      const f = (k * sr) / nFft, w = fb[m * bins + k];
      if (f <= lo || f >= hi) assert.equal(w, 0, `filter ${m} outside its band at ${f} Hz`);
      else {
        const expect = f <= centre ? (f - lo) / (centre - lo) : (hi - f) / (hi - centre);
        assert.ok(Math.abs(w - expect) < 1e-9, `filter ${m} at ${f} Hz: ${w} vs ${expect}`);
      }
    }
  }
});

test("audio: power spectrum of a cosine on bin k0 is (A·N/4)² there and (A·N/8)² beside it", () => {
  const N = 256, k0 = 20, A = 0.5;
  const x = Float64Array.from({ length: 4 * N }, (_, i) => A * Math.cos((2 * Math.PI * k0 * i) / N));
  const { power, frames, bins } = powerSpectrogram(x, { nFft: N, hopLength: 64, center: false });
  assert.equal(frames, 1 + (4 * N - N) / 64);
  assert.equal(bins, N / 2 + 1);
  for (let t = 0; t < frames; t++) {
    const row = power.subarray(t * bins, (t + 1) * bins);
    assert.ok(Math.abs(row[k0] - (A * N / 4) ** 2) < 1e-6);
    assert.ok(Math.abs(row[k0 - 1] - (A * N / 8) ** 2) < 1e-6 && Math.abs(row[k0 + 1] - (A * N / 8) ** 2) < 1e-6);
    assert.ok(row[k0 + 5] < 1e-12 && row[0] < 1e-12);
  }
  // torch.stft(center=True) frame count: 1 + floor(L / hop).
  assert.equal(powerSpectrogram(new Float64Array(1000), { nFft: 256, hopLength: 100 }).frames, 11);
  assert.ok(Math.abs(hannWindow(4)[2] - 1) < 1e-15 && hannWindow(4)[0] === 0);
});

test("audio: a 1 kHz tone lands in the mel band whose centre is nearest 1 kHz", () => {
  const sr = 16000, nMels = 40;
  const x = Float64Array.from({ length: 8000 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / sr));
  const lm = logMelSpectrogram(x, sr, { nFft: 512, hopLength: 160, nMels });
  assert.deepEqual(lm.shape, [nMels, 51]);
  const step = hzToMel(sr / 2) / (nMels + 1);
  const nearest = Math.round(hzToMel(1000) / step) - 1;
  const col = Array.from({ length: nMels }, (_, m) => lm._data[m * 51 + 25]);
  assert.equal(col.indexOf(Math.max(...col)), nearest);
});

test("audio: readWav decodes 16-bit PCM stereo built by hand (channels averaged)", () => {
  const frames = [[1000, -1000], [32767, 32767], [-32768, 0]];
  const data = new Uint8Array(44 + frames.length * 4), dv = new DataView(data.buffer);
  const put = (o: number, s: string) => [...s].forEach((c, i) => (data[o + i] = c.charCodeAt(0)));
  put(0, "RIFF"); dv.setUint32(4, 36 + frames.length * 4, true); put(8, "WAVE");
  put(12, "fmt "); dv.setUint32(16, 16, true); dv.setUint16(20, 1, true); dv.setUint16(22, 2, true);
  dv.setUint32(24, 8000, true); dv.setUint32(28, 32000, true); dv.setUint16(32, 4, true); dv.setUint16(34, 16, true);
  put(36, "data"); dv.setUint32(40, frames.length * 4, true);
  frames.forEach(([l, r], i) => { dv.setInt16(44 + 4 * i, l, true); dv.setInt16(46 + 4 * i, r, true); });
  const w = readWav(data);
  assert.equal(w.sampleRate, 8000);
  assert.deepEqual(Array.from(w.samples), [0, 32767 / 32768, -0.5]);
  assert.throws(() => readWav(new Uint8Array(20)), /not a RIFF\/WAVE file/);
});
