/**
 * Spoken digits: synthesises "zero".."nine" with espeak-ng in many voices (accents ×
 * voice variants, random speed and pitch) into a temp dir, adds white noise at a
 * random SNR and a random time shift, computes log-mel spectrograms in TypeScript
 * (src/data/audio.ts) and trains a small CNN (src/models/speech.ts). Accuracy is
 * measured on voices (accent + variant pairs) that training never heard.
 *
 * Needs `espeak-ng` (Debian: apt-get install -y espeak-ng).
 * Run: npx tsx examples/spoken-digits/train.ts
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as my from "myelin";
import type { Tensor } from "myelin";
const { logMelSpectrogram, readWav } = my.data;
const { SpeechCnn } = my.models;

const F = my.F;

export const DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
/** espeak-ng English accents and voice variants; a "voice" is one accent+variant pair. */
export const ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd"];
export const VARIANTS = ["m1", "m3", "m7", "f1", "f3", "f4"];

/** True when espeak-ng can be run. */
export function hasEspeak(): boolean {
  return spawnSync("espeak-ng", ["--version"], { stdio: "ignore" }).status === 0;
}

/** One utterance to synthesise. */
export interface Utterance { digit: number; voice: string; speed: number; pitch: number; file: string }

/** A seeded plan: `perVoice` renditions of each digit per voice with speed 120–180 wpm and pitch 25–75. */
export function planUtterances(voices: string[], perVoice: number, dir: string, seed = 0): Utterance[] {
  const g = new my.Generator(seed);
  const out: Utterance[] = [];
  for (const voice of voices) {
    for (let d = 0; d < 10; d++) {
      for (let r = 0; r < perVoice; r++) {
        const speed = 120 + g.randint(0, 61), pitch = 25 + g.randint(0, 51);
        out.push({ digit: d, voice, speed, pitch, file: join(dir, `${voice}_${DIGITS[d]}_s${speed}_p${pitch}.wav`) });
      }
    }
  }
  return out;
}

/** Runs espeak-ng for every utterance whose WAV is not already cached (4 processes at a time). */
export async function synthesize(utts: Utterance[]): Promise<void> {
  const todo = utts.filter((u) => !existsSync(u.file));
  if (todo.length) mkdirSync(join(todo[0].file, ".."), { recursive: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const u = todo[next++];
      await new Promise<void>((resolve, reject) =>
        execFile("espeak-ng", ["-v", u.voice, "-s", String(u.speed), "-p", String(u.pitch), "-w", u.file, DIGITS[u.digit]], (err) => (err ? reject(err) : resolve())));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

export interface FeatureOptions { seconds?: number; nMels?: number; nFft?: number; hopLength?: number; snrDb?: [number, number] }

/**
 * Log-mel features [N, 1, nMels, frames]: each word (trimmed to where |x| exceeds 2%
 * of its peak) is placed at a random offset in a fixed-length clip, white noise is
 * added at an SNR drawn from `snrDb`, and the log-mel spectrogram is standardised
 * per utterance.
 */
export function featurize(utts: Utterance[], seed: number, opts: FeatureOptions = {}): [Tensor, Tensor] {
  const g = new my.Generator(seed);
  const [snrLo, snrHi] = opts.snrDb ?? [5, 20];
  const feats: Tensor[] = [];
  for (const u of utts) {
    const { samples, sampleRate } = readWav(readFileSync(u.file));
    const L = Math.round((opts.seconds ?? 1) * sampleRate);
    let peak = 0;
    for (const s of samples) peak = Math.max(peak, Math.abs(s));
    let a = 0, b = samples.length - 1;
    while (a < b && Math.abs(samples[a]) < 0.02 * peak) a++;
    while (b > a && Math.abs(samples[b]) < 0.02 * peak) b--;
    const word = samples.subarray(a, Math.min(b + 1, a + L));
    const clip = new Float32Array(L);
    clip.set(word, g.randint(0, L - word.length + 1));
    let power = 0;
    for (const s of word) power += s * s;
    const snr = snrLo + (snrHi - snrLo) * g.random();
    const sigma = Math.sqrt(power / word.length / 10 ** (snr / 10));
    for (let i = 0; i < L; i++) clip[i] += sigma * g.normal();
    const lm = logMelSpectrogram(clip, sampleRate, { nFft: opts.nFft ?? 512, hopLength: opts.hopLength ?? 256, nMels: opts.nMels ?? 32 });
    const mean = lm.mean().item(), std = lm.std().item();
    feats.push(lm.sub(mean).div(std + 1e-5));
  }
  const y = my.tensor(Int32Array.from(utts, (u) => u.digit));
  return [my.stack(feats, 0).unsqueeze(1), y];
}

export interface SpokenDigitsOptions {
  /** Voices held out for testing (default 10 of the 42). */
  testVoices?: number;
  /** Use only the first `voices` voices of the seeded shuffle (default all). */
  voices?: number;
  perVoice?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  channels?: number[];
  seed?: number;
  dir?: string;
  onEpoch?: (epoch: number, loss: number, trainAcc: number) => void;
}

export interface SpokenDigitsResult {
  accuracy: number;
  trainAccuracy: number;
  majorityAccuracy: number;
  trainSize: number;
  testSize: number;
  testVoices: string[];
  seconds: number;
}

/** Synthesises (or reuses) the audio, trains the CNN and scores it on held-out voices. */
export async function trainSpokenDigits(opts: SpokenDigitsOptions = {}): Promise<SpokenDigitsResult> {
  const t0 = performance.now();
  const seed = opts.seed ?? 0;
  const g = new my.Generator(seed);
  const voices = ACCENTS.flatMap((a) => VARIANTS.map((v) => `${a}+${v}`));
  for (let i = voices.length - 1; i > 0; i--) { const j = g.randint(0, i + 1); [voices[i], voices[j]] = [voices[j], voices[i]]; }
  const used = voices.slice(0, opts.voices ?? voices.length);
  const nTest = opts.testVoices ?? 10;
  const testVoices = used.slice(0, nTest), trainVoices = used.slice(nTest);
  const dir = opts.dir ?? join(tmpdir(), "myelin-spoken-digits");
  const trainUtts = planUtterances(trainVoices, opts.perVoice ?? 3, dir, seed + 1);
  const testUtts = planUtterances(testVoices, opts.perVoice ?? 3, dir, seed + 2);
  await synthesize([...trainUtts, ...testUtts]);
  const [xTrain, yTrain] = featurize(trainUtts, seed + 3);
  const [xTest, yTest] = featurize(testUtts, seed + 4);

  my.manualSeed(seed);
  const model = new SpeechCnn({ numClasses: 10, channels: opts.channels });
  const epochs = opts.epochs ?? 12, bs = opts.batchSize ?? 32, N = xTrain.shape[0];
  const opt = new my.optim.AdamW(model.parameters(), { lr: opts.lr ?? 3e-3, weightDecay: 1e-3 });
  const sched = new my.optim.lrScheduler.OneCycleLR(opt, { maxLr: opts.lr ?? 3e-3, totalSteps: epochs * Math.ceil(N / bs) });
  const accOf = (x: Tensor, y: Tensor) => {
    model.eval();
    const pred = my.noGrad(() => model.forward(x)).argmax(1);
    return pred.eq(y).float().mean().item();
  };
  for (let e = 1; e <= epochs; e++) {
    model.train();
    const perm = my.randperm(N, { generator: g });
    let lossSum = 0;
    for (let b = 0; b < N; b += bs) {
      const idx = perm.narrow(0, b, Math.min(bs, N - b));
      const loss = F.crossEntropy(model.forward(xTrain.indexSelect(0, idx)), yTrain.indexSelect(0, idx));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      sched.step();
      lossSum += loss.item() * idx.shape[0];
    }
    opts.onEpoch?.(e, lossSum / N, NaN);
  }
  // Majority class of the training labels, scored on the test labels.
  const counts = new Array(10).fill(0);
  for (const d of yTrain._data) counts[d]++;
  const majority = counts.indexOf(Math.max(...counts));
  const majorityAccuracy = Array.from(yTest._data).filter((d) => d === majority).length / yTest.shape[0];
  return {
    accuracy: accOf(xTest, yTest), trainAccuracy: accOf(xTrain, yTrain), majorityAccuracy,
    trainSize: N, testSize: xTest.shape[0], testVoices, seconds: (performance.now() - t0) / 1000,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (!hasEspeak()) throw new Error("spoken-digits example: espeak-ng not found (Debian: apt-get install -y espeak-ng)");
  const r = await trainSpokenDigits({ onEpoch: (e, l) => console.log(`epoch ${String(e).padStart(2)}  train loss ${l.toFixed(4)}`) });
  console.log(`${r.trainSize} training clips, ${r.testSize} test clips from ${r.testVoices.length} held-out voices (${r.testVoices.join(", ")}); backend ${my.backend()}`);
  console.log(`held-out accuracy ${(100 * r.accuracy).toFixed(1)}% (train ${(100 * r.trainAccuracy).toFixed(1)}%, majority class ${(100 * r.majorityAccuracy).toFixed(1)}%)`);
  console.log(`time ${r.seconds.toFixed(1)} s (synthesis, features and training)`);
}
