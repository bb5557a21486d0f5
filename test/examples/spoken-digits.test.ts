/**
 * Smoke test of examples/spoken-digits: espeak-ng speech (noisy, randomly shifted),
 * log-mel features and the SpeechCnn; accuracy on voices held out of training must be at
 * least 4x the majority-class rate (56% measured after this short run). Skips when espeak-ng is not installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { hasEspeak, trainSpokenDigits } from "../../examples/spoken-digits/train.js";

const skip = hasEspeak() ? false : "espeak-ng is not installed (Debian: apt-get install -y espeak-ng)";

test("spoken digits: a small CNN recognises digits spoken by unseen voices", { skip }, async () => {
  const r = await trainSpokenDigits({ voices: 14, testVoices: 4, perVoice: 2, channels: [8, 16, 32], epochs: 10, lr: 5e-3, seed: 0 });
  assert.equal(r.trainSize, 10 * 10 * 2);
  assert.equal(r.testSize, 4 * 10 * 2);
  // Every digit appears equally often, so the majority class scores exactly 10%.
  assert.equal(r.majorityAccuracy, 0.1);
  assert.ok(r.accuracy >= 0.4, `held-out accuracy ${r.accuracy} (majority ${r.majorityAccuracy})`);
});
