/**
 * Audio features without dependencies: WAV (PCM) decoding, an in-place radix-2 FFT,
 * a Hann-windowed power spectrogram, the HTK mel scale with torchaudio's triangular
 * filterbank (`melscale_fbanks(norm=None, mel_scale="htk")`), and log-mel
 * spectrograms as tensors. Pure functions on TypedArrays, so it runs in the browser.
 */
import { Tensor, make } from "../core/tensor.js";

/** Decoded audio: samples in [-1, 1), channels averaged to mono. */
export interface Wav {
  sampleRate: number;
  samples: Float32Array;
}

/**
 * Decodes a RIFF/WAVE file with 8-, 16- or 32-bit integer PCM or 32-bit float samples.
 * @example const { sampleRate, samples } = readWav(readFileSync("a.wav"));
 */
export function readWav(bytes: Uint8Array): Wav {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("readWav: not a RIFF/WAVE file");
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  for (let o = 12; o + 8 <= bytes.length;) {
    const id = tag(o);
    // espeak-ng streams leave the data size at 0x7fffffff; clamp to the bytes present.
    const size = Math.min(dv.getUint32(o + 4, true), bytes.length - o - 8);
    if (id === "fmt ") {
      fmt = { format: dv.getUint16(o + 8, true), channels: dv.getUint16(o + 10, true), rate: dv.getUint32(o + 12, true), bits: dv.getUint16(o + 22, true) };
    } else if (id === "data") {
      if (!fmt) throw new Error("readWav: data chunk before fmt chunk");
      const { format, channels, bits } = fmt;
      const width = bits / 8, frames = Math.floor(size / (width * channels));
      const ok = (format === 1 && (bits === 8 || bits === 16 || bits === 32)) || (format === 3 && bits === 32) || format === 0xfffe;
      if (!ok) throw new Error(`readWav: unsupported sample format ${format} with ${bits} bits (expected PCM 8/16/32 or float 32)`);
      const out = new Float32Array(frames);
      for (let f = 0; f < frames; f++) {
        let s = 0;
        for (let c = 0; c < channels; c++) {
          const p = o + 8 + (f * channels + c) * width;
          s += format === 3 ? dv.getFloat32(p, true)
            : bits === 8 ? (bytes[p] - 128) / 128 : bits === 16 ? dv.getInt16(p, true) / 32768 : dv.getInt32(p, true) / 2147483648;
        }
        out[f] = s / channels;
      }
      return { sampleRate: fmt.rate, samples: out };
    }
    o += 8 + size + (size & 1);
  }
  throw new Error("readWav: no data chunk");
}

/**
 * In-place iterative radix-2 FFT of (re, im), length a power of two:
 * X[k] = Σ_n x[n]·e^{−2πikn/N}. `inverse` computes the unscaled inverse transform.
 * @example const re = Float64Array.of(1, 0, 0, 0), im = new Float64Array(4); fft(re, im) // re = [1, 1, 1, 1]
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) throw new Error(`fft: re and im lengths differ (${n} vs ${im.length})`);
  if (n === 0 || (n & (n - 1)) !== 0) throw new Error(`fft: length must be a power of two, got ${n}`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len, half = len >> 1;
    // Twiddles from cos/sin per k (not by repeated multiplication) to keep error at ~1e-15.
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(ang * k), wi = Math.sin(ang * k);
      for (let s = 0; s < n; s += len) {
        const a = s + k, b = a + half;
        const xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
    }
  }
}

/** The periodic Hann window of length n (torch.hann_window's default). */
export function hannWindow(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
}

/** Options of powerSpectrogram / logMelSpectrogram. */
export interface SpectrogramOptions {
  /** FFT size, a power of two (default 512). */
  nFft?: number;
  /** Samples between frames (default nFft / 4). */
  hopLength?: number;
  /** Reflect-pad nFft/2 samples at both ends so frame t is centred at t·hop (default true, as torch.stft). */
  center?: boolean;
}

/**
 * |STFT|² with a Hann window: Float64Array [frames, nFft/2 + 1] (row-major) and the
 * frame count. Frames as torch.stft(center=True, pad_mode="reflect").
 */
export function powerSpectrogram(signal: ArrayLike<number>, opts: SpectrogramOptions = {}): { power: Float64Array; frames: number; bins: number } {
  const nFft = opts.nFft ?? 512, hop = opts.hopLength ?? nFft / 4, center = opts.center ?? true;
  const pad = center ? nFft >> 1 : 0, L = signal.length;
  if (center && L <= pad) throw new Error(`powerSpectrogram: signal of ${L} samples is too short to reflect-pad ${pad}`);
  const at = (i: number): number => {
    const j = i - pad;
    return signal[j < 0 ? -j : j >= L ? 2 * (L - 1) - j : j];
  };
  const total = L + 2 * pad;
  if (total < nFft) throw new Error(`powerSpectrogram: signal of ${L} samples is shorter than nFft ${nFft}`);
  const frames = 1 + Math.floor((total - nFft) / hop), bins = (nFft >> 1) + 1;
  const win = hannWindow(nFft), re = new Float64Array(nFft), im = new Float64Array(nFft);
  const power = new Float64Array(frames * bins);
  for (let t = 0; t < frames; t++) {
    for (let i = 0; i < nFft; i++) { re[i] = at(t * hop + i) * win[i]; im[i] = 0; }
    fft(re, im);
    for (let k = 0; k < bins; k++) power[t * bins + k] = re[k] * re[k] + im[k] * im[k];
  }
  return { power, frames, bins };
}

/** Hz → mel on the HTK scale: 2595·log10(1 + f/700). */
export function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}

/** Mel → Hz on the HTK scale (the inverse of hzToMel). */
export function melToHz(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

/**
 * Triangular mel filters [nMels, nFft/2 + 1] (row-major): nMels + 2 points evenly
 * spaced in mel between fMin and fMax; filter m rises from point m to m+1 and falls
 * to m+2, evaluated at the FFT bin frequencies k·sr/nFft (torchaudio's construction).
 */
export function melFilterbank(nMels: number, nFft: number, sampleRate: number, fMin = 0, fMax = sampleRate / 2): Float64Array {
  const bins = (nFft >> 1) + 1;
  const lo = hzToMel(fMin), hi = hzToMel(fMax);
  const pts = Float64Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (nMels + 1)));
  const fb = new Float64Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const [a, b, c] = [pts[m], pts[m + 1], pts[m + 2]];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      fb[m * bins + k] = Math.max(0, Math.min((f - a) / (b - a), (c - f) / (c - b)));
    }
  }
  return fb;
}

/**
 * log(mel power + eps) as a float32 tensor [nMels, frames]: power spectrogram, then
 * the mel filterbank.
 * @example logMelSpectrogram(samples, 16000, { nMels: 40, hopLength: 160 }) // [40, T]
 */
export function logMelSpectrogram(signal: ArrayLike<number>, sampleRate: number, opts: SpectrogramOptions & { nMels?: number; fMin?: number; fMax?: number; eps?: number } = {}): Tensor {
  const nFft = opts.nFft ?? 512, nMels = opts.nMels ?? 40, eps = opts.eps ?? 1e-6;
  const { power, frames, bins } = powerSpectrogram(signal, { ...opts, nFft });
  const fb = melFilterbank(nMels, nFft, sampleRate, opts.fMin ?? 0, opts.fMax ?? sampleRate / 2);
  const out = new Float32Array(nMels * frames);
  for (let m = 0; m < nMels; m++) {
    for (let t = 0; t < frames; t++) {
      let s = 0;
      for (let k = 0; k < bins; k++) s += fb[m * bins + k] * power[t * bins + k];
      out[m * frames + t] = Math.log(s + eps);
    }
  }
  return make(out, [nMels, frames], "float32");
}
