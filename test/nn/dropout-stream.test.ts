// F.dropout's mask against its definition: element i is kept (scaled by 1/(1-p)) exactly
// when the generator's next 32-bit draw is >= p * 2^32, drawn in order; and the
// generator (state and cached normal) continues afterwards as if nextUint32 had been
// called once per element. The reference stream comes from a second generator with
// the same seed, stepped with the public nextUint32().
import { test } from "node:test";
import assert from "node:assert/strict";
import * as my from "../../src/index.js";

for (const [dtype, shape, p] of [["float32", [7, 13], 0.2], ["float64", [3, 5, 11], 0.5], ["float32", [1], 0.9], ["float32", [4096], 0.1]] as const) {
  test(`dropout mask = draw-by-draw definition (${dtype}, ${JSON.stringify(shape)}, p=${p})`, () => {
    const a = new my.Generator(12345), b = new my.Generator(12345);
    a.normal(); b.normal(); // leaves a cached second normal that must survive
    const x = my.ones([...shape], { dtype });
    const y = my.F.dropout(x, p, true, { generator: a });
    const n = x.numel();
    const threshold = Math.min(p * 4294967296, 4294967295);
    const keep = dtype === "float32" ? Math.fround(1 / (1 - p)) : 1 / (1 - p);
    const got = y._data;
    for (let i = 0; i < n; i++) {
      const want = b.nextUint32() >= threshold ? keep : 0;
      assert.equal(got[i], want, `element ${i}`);
    }
    assert.equal(a.normal(), b.normal(), "cached normal preserved");
    for (let i = 0; i < 5; i++) assert.equal(a.nextUint32(), b.nextUint32(), "stream continues identically");
  });
}
