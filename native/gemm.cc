// Packed SGEMM. Blocking follows the BLIS recipe for Zen/Haswell: op(B) is packed into
// KC x NR panels (for all of k at once, one column block of at most kBlockFloats), op(A)
// into MR x KC panels per row block (an L2-sized MC x KC block), and a 6x16
// register-blocked micro-kernel keeps 12 ymm accumulators live. Transposes are folded
// into the packing (8x8 register transposes), so A@B^T and A^T@B run at A@B's speed.
// Small and skinny products skip packing where it would not pay: a row-major A meeting
// few B panels is read in place, and A@B^T with a small A is computed as C^T = B A^T so
// that the big B is the operand read in place (tiles stored transposed).
//
// Threads share one packed B block (packed cooperatively) and take row x column tasks
// of C from an atomic counter; batches of small products go one product per task, and a
// broadcast operand (stride 0) is packed once for the whole batch. Every element of C
// is the same chain of FMAs (from zero over each KC depth block, blocks added in order)
// whatever the split, packing or orientation, so results are bitwise identical for any
// thread count.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <immintrin.h>
#include <new>
#include <utility>

#include "gemm_kernels.h"
#include "pool.h"

namespace myelin {

namespace {

// Depth blocks: at most KC deep, k split into equal blocks (784 = 2 x 392, not 512 + 272:
// a shallow block pays the C tile update for little work). KC = 512 (B micro-panel 32 KiB,
// partly served from L2) measured 2-5% faster than 256 at N = 1024/2048 and k = 784, the
// same elsewhere: half as many read-modify-write passes over C.
constexpr int KC = 512;
constexpr int MC = 96;  // packed A block: 96 x 512 x 4 B = 192 KiB, in L2
// Packed B column block (all of k): 4 MiB, L3-resident and shared by the threads.
constexpr size_t kBlockFloats = size_t(1) << 20;
// Products below this many flops run on the calling thread alone. Measured on the quiet
// machine with spinning workers, 2 threads win from 64^3 (0.5 MFLOP: 1.3x; 128^3 1.85x)
// and break even near 32^3.
constexpr double kThreadFlops = 2.0e5;
// Floats of slack after every packing buffer (the A transposes store 8 lanes for 6).
constexpr size_t kSlack = 16;
// Row-major B is read in place (not packed) for products of at most this many row tiles.
constexpr int kInPlaceTiles = 6;
// Products with a shallower depth are not computed as C^T (its transposed tile stores
// cost too much next to a short FMA loop).
constexpr int kSwapMinDepth = 64;
// A row-major A is read in place (not packed) when it meets at most this many B panels.
constexpr int kRowMajorPanels = 8;

inline int roundUp(int x, int to) { return (x + to - 1) / to * to; }

using namespace gemm_kernels;

// ---------------------------------------------------------------------------------------
// Buffers: 64-byte aligned and grow-only. Each thread packs its A blocks (and, for
// batch tasks, its B blocks) privately; the calling thread also owns the blocks that
// all threads read during one call (a cooperatively packed B block, a broadcast operand).

struct Buffer {
  float* ptr = nullptr;
  size_t cap = 0;
  ~Buffer() { std::free(ptr); }
  float* get(size_t n) {
    n += kSlack;
    if (cap < n) {
      std::free(ptr);
      const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      ptr = static_cast<float*>(std::aligned_alloc(64, bytes));
      cap = ptr ? n : 0;
      if (!ptr) throw std::bad_alloc();
    }
    return ptr;
  }
};

thread_local Buffer privA, privB, sharedB, bcastA, bcastB;

int depthBlock(int k) {
  const int blocks = (k + KC - 1) / KC;
  return (k + blocks - 1) / blocks;
}

// One product as the kernels see it, and the kernels chosen for this CPU. With swap the
// product is computed as C^T = op(B)^T op(A)^T: m, n, ta, tb and the A, B pointers handed
// around describe that view, and tiles are stored transposed into C.
struct Geom {
  int m, n, k;
  bool ta, tb;
  bool avx2;
  int kcb;       // depth block size
  bool swap;     // the view is C^T
  bool directA;  // the view's A is row-major and read in place (never packed)
  // Where view element (i, j) of C lives.
  float* cAt(float* C, int i, int j) const {
    return swap ? C + (size_t)j * m + i : C + (size_t)i * n + j;
  }
  void packA(const float* A, int i0, int mc, int p0, int kc, float* dst) const {
    (avx2 ? packA_avx2 : packA_generic)(A, m, k, ta, i0, mc, p0, kc, dst);
  }
  void packB(const float* B, int j0, int nc, int p0, int kc, float* dst) const {
    (avx2 ? packB_avx2 : packB_generic)(B, n, k, tb, j0, nc, p0, kc, dst);
  }
};

// Whether a row-major operand with rows k floats apart may be read in place by the
// kernels: not when k is a multiple of 1024 (the rows of a tile would share L1 sets).
bool rowsReadable(int k) { return k % 1024 != 0; }

// The view of C = op(A) op(B) the kernels run (see Geom). A row-major A is read in place
// when it meets only a few B panels (packing it would not pay for itself; with many
// panels the contiguous packed block measured 2-3% faster). For such products a
// row-major B^T that is the larger operand is handled by computing C^T, so that B is the
// operand read in place and only the small op(A) gets packed.
Geom makeGeom(int m, int n, int k, bool ta, bool tb) {
  Geom g{m, n, k, ta, tb, cpu_has_avx2_fma(), depthBlock(k), false, false};
  if (!g.avx2 || !rowsReadable(k)) return g;
  const int fewCols = kRowMajorPanels * NR;
  if (tb && n > m && m <= fewCols && k >= kSwapMinDepth) {
    g.swap = true;
    g.m = n;
    g.n = m;
    g.ta = false;  // op(B)^T is B itself, n x k row-major
    g.tb = !ta;    // op(A)^T[p][i] = A[i * k + p] unless A is stored transposed
  }
  g.directA = !g.ta && g.n <= fewCols;
  return g;
}

// A packed operand block: all depth blocks of rows (or columns) [start, start + count);
// depth block p0 begins at p0 * padded, and within it panel x at x * kc.
struct Packed {
  const float* data;
  int start, padded;
  const float* at(int p0, int kc, int idx) const { return data + (size_t)p0 * padded + (size_t)(idx - start) * kc; }
};

// Where the NR-column panels of one column block of op(B) are: packed, or (columns
// before directEnd, full panels of a row-major B) read in place, rows ld apart.
struct BBlock {
  Packed packed;
  const float* direct = nullptr;
  size_t ld = 0;
  int directEnd = 0;
  const float* at(int p0, int kc, int j, size_t* stride) const {
    if (j < directEnd) {
      *stride = ld;
      return direct + (size_t)p0 * ld + j;
    }
    *stride = NR;
    return packed.at(p0, kc, j);
  }
};

// Packs panels [pan0, pan1) (NR-column units, counted from jb) of op(B) for all depth
// blocks, where `to` says they go.
void packPanels(const Geom& g, const float* B, int jb, int nc, int pan0, int pan1, const Packed& to) {
  const int j0 = jb + pan0 * NR, j1 = jb + std::min(nc, pan1 * NR);
  if (j1 <= j0) return;
  for (int pc = 0; pc < g.k; pc += g.kcb) {
    const int kc = std::min(g.kcb, g.k - pc);
    g.packB(B, j0, j1 - j0, pc, kc, const_cast<float*>(to.at(pc, kc, j0)));
  }
}

// Whether full panels of op(B) are read in place instead of packed: a row-major B that
// few row tiles reuse (so packing would cost more than it saves), with a row stride that
// does not alias in L1 (a multiple of 4 KiB would crowd a panel's rows into few sets).
bool readBInPlace(const Geom& g) {
  if (g.tb || g.n < NR || (g.m + MR - 1) / MR > kInPlaceTiles) return false;
  const size_t stride = (size_t)g.n * sizeof(float);
  return (stride & (~stride + 1)) <= 64 || (size_t)g.k * g.n <= 4096;
}

// Lays out the column block [jb, jb+nc) of B_i over `buf` and says which panels must be
// packed into it: all of them, or only the partial last one when B is read in place.
BBlock layoutB(const Geom& g, const float* Bi, int jb, int nc, bool inPlace, float* buf, int* pan0, int* pan1) {
  BBlock b;
  *pan1 = roundUp(nc, NR) / NR;
  if (inPlace) {
    *pan0 = nc / NR;
    b.direct = Bi;
    b.ld = (size_t)g.n;
    b.directEnd = jb + *pan0 * NR;
    b.packed = {buf, b.directEnd, NR};
  } else {
    *pan0 = 0;
    b.packed = {buf, jb, *pan1 * NR};
  }
  return b;
}

// Floats of packing buffer for a block of nc columns.
size_t blockFloats(const Geom& g, int nc, bool inPlace) {
  return (size_t)(inPlace ? (nc % NR ? NR : 0) : roundUp(nc, NR)) * g.k;
}

// Packs rows [0, m) of op(A), all depth blocks.
void packAWhole(const Geom& g, const float* A, float* dst) {
  const int mPad = roundUp(g.m, MR);
  for (int pc = 0; pc < g.k; pc += g.kcb) {
    const int kc = std::min(g.kcb, g.k - pc);
    g.packA(A, 0, g.m, pc, kc, dst + (size_t)pc * mPad);
  }
}

// View rows [i0, i1) x columns [j0, j1) of C from the laid-out B block, A read in place
// (g.directA), from the whole packed A (pa), or packed here per depth block. i0 is a
// multiple of MR; j0 - B's start a multiple of NR.
void computeRect(const Geom& g, const float* A, const Packed* pa, const BBlock& pb, float* C,
                 int i0, int i1, int j0, int j1) {
  if (i1 <= i0 || j1 <= j0) return;
  alignas(32) float edge[MR * NR];
  const size_t ldc = g.swap ? (size_t)g.m : (size_t)g.n;
  const KernelFn* kern = g.avx2 ? kAvx2[g.directA][g.swap] : nullptr;
  const KernelFn* kernEdge = g.avx2 ? kAvx2[g.directA][false] : nullptr;
  for (int pc = 0; pc < g.k; pc += g.kcb) {
    const int kc = std::min(g.kcb, g.k - pc);
    const bool first = pc == 0;
    // Row ir of the A block starts at Ap + (ir - i0) * aStep.
    const float* Ap;
    size_t aStep = kc;
    if (g.directA) {
      Ap = A + (size_t)i0 * g.k + pc;
      aStep = g.k;
    } else if (pa) {
      Ap = pa->at(pc, kc, i0);
    } else {
      float* buf = privA.get((size_t)roundUp(i1 - i0, MR) * kc);
      g.packA(A, i0, i1 - i0, pc, kc, buf);
      Ap = buf;
    }
    const auto tile = [&](int ir, int jr, const float* Bp, size_t ldb) {
      const int rows = std::min(MR, i1 - ir), cols = std::min(NR, j1 - jr);
      const float* a = Ap + (size_t)(ir - i0) * aStep;
      float* c = g.cAt(C, ir, jr);
      if (g.avx2) {
        if (cols == NR) {
          kern[rows](kc, a, (size_t)g.k, Bp, ldb, c, ldc, first);
          return;
        }
        kernEdge[rows](kc, a, (size_t)g.k, Bp, ldb, edge, NR, true);
      } else {
        if (rows == MR && cols == NR) {
          kernel_generic(kc, a, Bp, ldb, c, ldc, first);
          return;
        }
        kernel_generic(kc, a, Bp, ldb, edge, NR, true);
      }
      // Edge tile (last columns): computed into a scratch tile, its valid part copied.
      for (int r = 0; r < rows; r++)
        for (int q = 0; q < cols; q++) {
          float* d = g.cAt(C, ir + r, jr + q);
          *d = first ? edge[r * NR + q] : *d + edge[r * NR + q];
        }
    };
    size_t ldb;
    if (g.directA) {
      // A read in place meets few B panels: A-row-major order, so each 6-row slice of A
      // comes from memory once and stays in L1 across the panels (which sit in L2).
      for (int ir = i0; ir < i1; ir += MR)
        for (int jr = j0; jr < j1; jr += NR) {
          const float* Bp = pb.at(pc, kc, jr, &ldb);
          tile(ir, jr, Bp, ldb);
        }
    } else {
      // B-panel-major: a B micro-panel stays in L1 across the packed A block.
      for (int jr = j0; jr < j1; jr += NR) {
        const float* Bp = pb.at(pc, kc, jr, &ldb);
        for (int ir = i0; ir < i1; ir += MR) tile(ir, jr, Bp, ldb);
      }
    }
  }
}

// Columns per packed B block: all of n when it fits kBlockFloats, else a multiple of NR.
int blockCols(const Geom& g) {
  const size_t fit = kBlockFloats / std::max(1, g.k) / NR * NR;
  return (int)std::max<size_t>(NR, std::min<size_t>(fit, (size_t)g.n));
}

// One product, rows [m0, m1) x columns [n0, n1), on the calling thread. pa / pb: the
// whole operand laid out already (broadcast across a batch), or null to pack here.
void productRect(const Geom& g, const float* A, const float* B, float* C, const Packed* pa, const BBlock* pb,
                 int m0, int m1, int n0, int n1) {
  const bool inPlace = readBInPlace(g);
  const int ncMax = pb ? n1 - n0 : blockCols(g);
  for (int jb = n0; jb < n1; jb += ncMax) {
    const int nc = std::min(ncMax, n1 - jb);
    BBlock blk;
    if (pb) {
      blk = *pb;
    } else {
      int pan0, pan1;
      blk = layoutB(g, B, jb, nc, inPlace, privB.get(blockFloats(g, nc, inPlace)), &pan0, &pan1);
      packPanels(g, B, jb, nc, pan0, pan1, blk.packed);
    }
    for (int ic = m0; ic < m1; ic += MC) computeRect(g, A, pa, blk, C, ic, std::min(m1, ic + MC), jb, jb + nc);
  }
}

// Claims the next task below `end` (tasks are numbered across phases, so a counter never
// runs past the phase it is in).
inline bool claim(std::atomic<int>& next, int end, int* task) {
  int t = next.load(std::memory_order_relaxed);
  while (t < end) {
    if (next.compare_exchange_weak(t, t + 1, std::memory_order_relaxed)) {
      *task = t;
      return true;
    }
  }
  return false;
}

inline void waitFor(const std::atomic<int>& done, int target) {
  spinWhile([&] { return done.load(std::memory_order_acquire) < target; });
}

// Splits [0, units) into `parts` near-equal contiguous ranges; returns the start of `i`.
inline int splitAt(int units, int parts, int i) { return (int)((long long)units * i / parts); }

// Threads cooperate on each product in turn. When op(A) is the smaller operand (m < n/T)
// they split the columns: each packs its own panels of B and all of A (an extra copy of
// the small operand, no sharing). Otherwise they split the rows around one shared packed
// B block: they pack its panels together, wait for all of them, then take row chunks.
void cooperative(Pool& pool, const Geom& g, const float* A, const float* B, float* C, int batch,
                 int64_t sa, int64_t sb, const Packed* pa, const BBlock* pb) {
  const int T = pool.size();
  if ((long long)g.m * T < g.n) {
    const int panels = (g.n + NR - 1) / NR, cc = std::min(panels, T);
    std::atomic<int> next{0};
    pool.runDynamic([&](int) {
      int t;
      while (claim(next, batch * cc, &t)) {
        const int i = t / cc, c = t % cc;
        productRect(g, A + i * sa, B + i * sb, C + (size_t)i * g.m * g.n, pa, pb, 0, g.m, splitAt(panels, cc, c) * NR,
                    std::min(g.n, splitAt(panels, cc, c + 1) * NR));
      }
    });
    return;
  }
  const bool inPlace = readBInPlace(g);
  const int ncMax = pb ? g.n : blockCols(g);
  float* shared = pb ? nullptr : sharedB.get(blockFloats(g, ncMax, inPlace));
  // Task grid of one block: row chunks of at most MC rows, a multiple of T in all.
  const int mt = (g.m + MR - 1) / MR;
  int rc = std::min(mt, roundUp((mt + MC / MR - 1) / (MC / MR), T));
  std::atomic<int> packNext{0}, packDone{0}, workNext{0}, workDone{0};
  pool.runDynamic([&](int) {
    int packEnd = 0, workEnd = 0, t;
    for (int i = 0; i < batch; i++) {
      const float* Ai = A + i * sa;
      const float* Bi = B + i * sb;
      float* Ci = C + (size_t)i * g.m * g.n;
      for (int jb = 0; jb < g.n; jb += ncMax) {
        const int nc = std::min(ncMax, g.n - jb);
        const int panels = roundUp(nc, NR) / NR;
        // Everyone must be done reading the previous block before it is overwritten.
        waitFor(workDone, workEnd);
        BBlock blk;
        if (pb) {
          blk = *pb;
        } else {
          int pan0, pan1;
          blk = layoutB(g, Bi, jb, nc, inPlace, shared, &pan0, &pan1);
          const int groups = std::min(pan1 - pan0, 2 * T), base = packEnd;
          packEnd += groups;
          while (claim(packNext, packEnd, &t)) {
            const int q = t - base;
            packPanels(g, Bi, jb, nc, pan0 + splitAt(pan1 - pan0, groups, q), pan0 + splitAt(pan1 - pan0, groups, q + 1), blk.packed);
            packDone.fetch_add(1, std::memory_order_release);
          }
          waitFor(packDone, packEnd);
        }
        const int cc = rc >= T ? 1 : std::min(panels, (T + rc - 1) / rc);
        const int base = workEnd;
        workEnd += rc * cc;
        while (claim(workNext, workEnd, &t)) {
          const int r = (t - base) / cc, c = (t - base) % cc;
          const int i0 = splitAt(mt, rc, r) * MR, i1 = std::min(g.m, splitAt(mt, rc, r + 1) * MR);
          const int j0 = jb + splitAt(panels, cc, c) * NR, j1 = std::min(jb + nc, jb + splitAt(panels, cc, c + 1) * NR);
          for (int ic = i0; ic < i1; ic += MC) computeRect(g, Ai, pa, blk, Ci, ic, std::min(i1, ic + MC), j0, j1);
          workDone.fetch_add(1, std::memory_order_release);
        }
      }
    }
  });
}

}  // namespace

bool cpu_has_avx2_fma() {
  static const bool has = [] {
    if (std::getenv("MYELIN_NATIVE_NO_AVX2")) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
}

void sgemm(Pool* pool, const float* A, const float* B, float* C, int batch, int m, int n, int k,
           bool transA, bool transB, int64_t strideA, int64_t strideB) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  if (k <= 0) {
    std::memset(C, 0, sizeof(float) * (size_t)batch * m * n);
    return;
  }
  Geom g = makeGeom(m, n, k, transA, transB);
  // The view's operands (swapped: A <- B, B <- A).
  if (g.swap) {
    std::swap(A, B);
    std::swap(strideA, strideB);
  }
  // A broadcast A is packed once for the batch rather than read in place per product.
  if (batch > 1 && strideA == 0) g.directA = false;
  const double flops = 2.0 * batch * m * n * k;
  const int T = pool && flops >= kThreadFlops ? pool->size() : 1;
  // A broadcast operand is laid out once for the whole batch.
  Packed pa{nullptr, 0, roundUp(g.m, MR)};
  BBlock pb;
  if (batch > 1 && strideA == 0 && !g.directA) {
    float* buf = bcastA.get((size_t)pa.padded * k);
    packAWhole(g, A, buf);
    pa.data = buf;
  }
  const bool bcastBlock = batch > 1 && strideB == 0;
  if (bcastBlock) {
    const bool inPlace = readBInPlace(g);
    int pan0, pan1;
    pb = layoutB(g, B, 0, g.n, inPlace, bcastB.get(blockFloats(g, g.n, inPlace)), &pan0, &pan1);
    packPanels(g, B, 0, g.n, pan0, pan1, pb.packed);
  }
  const Packed* ppa = pa.data ? &pa : nullptr;
  const BBlock* ppb = bcastBlock ? &pb : nullptr;
  const size_t mn = (size_t)m * n;
  if (T <= 1) {
    for (int i = 0; i < batch; i++) productRect(g, A + i * strideA, B + i * strideB, C + i * mn, ppa, ppb, 0, g.m, 0, g.n);
    return;
  }
  if (batch % T == 0 || batch >= 4 * T) {
    // Whole products per task.
    std::atomic<int> next{0};
    pool->runDynamic([&](int) {
      int i;
      while (claim(next, batch, &i)) productRect(g, A + i * strideA, B + i * strideB, C + i * mn, ppa, ppb, 0, g.m, 0, g.n);
    });
    return;
  }
  cooperative(*pool, g, A, B, C, batch, strideA, strideB, ppa, ppb);
}

void sgemm_cols(const float* A, const float* B, float* C, int m, int n, int k, bool transA, bool transB, int n0, int n1) {
  if (m <= 0 || n1 <= n0) return;
  if (k <= 0) {
    for (int i = 0; i < m; i++) std::memset(C + (size_t)i * n + n0, 0, sizeof(float) * (n1 - n0));
    return;
  }
  const Geom g{m, n, k, transA, transB, cpu_has_avx2_fma(), depthBlock(k), false, false};
  productRect(g, A, B, C, nullptr, nullptr, 0, m, n0, n1);
}

void sgemm_rows(const float* A, const float* B, float* C, int m, int n, int k, bool transA, bool transB, int m0, int m1) {
  if (m1 <= m0 || n <= 0) return;
  if (k <= 0) {
    for (int i = m0; i < m1; i++) std::memset(C + (size_t)i * n, 0, sizeof(float) * n);
    return;
  }
  const Geom g{m, n, k, transA, transB, cpu_has_avx2_fma(), depthBlock(k), false, false};
  productRect(g, A, B, C, nullptr, nullptr, m0, m1, 0, n);
}

}  // namespace myelin
