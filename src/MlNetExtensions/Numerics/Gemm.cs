using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MlNetExtensions.Numerics;

/// <summary>
/// Single-precision matrix products on row-major arrays, register-tiled with <see cref="Vector256"/> FMA: a tile of
/// 4 rows × 32 columns of C lives in 16 registers while the inner dimension streams past (one broadcast of an A value,
/// four loaded B vectors, four FMAs per row). Columns left over after the 32- and 8-wide tiles are done in scalar code,
/// so narrow outputs (a single unit) are correct, if not vectorised.
/// </summary>
/// <remarks>
/// One kernel serves both A and Aᵀ through its two strides. The summation order is fixed by the shapes alone, so
/// results are bit-identical from run to run on the same machine.
/// </remarks>
internal static unsafe class Gemm
{
    /// <summary>C[m×n] = A[m×k]·B[k×n] (+ <paramref name="bias"/>[n] on every row when it is not empty).</summary>
    public static void Multiply(ReadOnlySpan<float> a, int m, int k, ReadOnlySpan<float> b, int n, Span<float> c, ReadOnlySpan<float> bias)
    {
        Check(a.Length >= m * k && b.Length >= k * n && c.Length >= m * n && (bias.IsEmpty || bias.Length >= n));
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
            Kernel(pa, k, 1, m, k, pb, n, pc, bias.IsEmpty ? null : pbias);
    }

    /// <summary>C[k×n] = A[m×k]ᵀ·D[m×n]: the weight gradient of a dense layer (A its input, D its output gradient).</summary>
    public static void MultiplyTransposedLeft(ReadOnlySpan<float> a, int m, int k, ReadOnlySpan<float> d, int n, Span<float> c)
    {
        Check(a.Length >= m * k && d.Length >= m * n && c.Length >= k * n);
        fixed (float* pa = a, pd = d, pc = c)
            Kernel(pa, 1, k, k, m, pd, n, pc, null);
    }

    /// <summary>Writes the transpose of the row-major <paramref name="rows"/> × <paramref name="columns"/> matrix.</summary>
    public static void Transpose(ReadOnlySpan<float> source, int rows, int columns, Span<float> destination)
    {
        Check(source.Length >= rows * columns && destination.Length >= rows * columns);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                destination[j * rows + i] = source[i * columns + j];
    }

    /// <summary>Adds every row of the <paramref name="rows"/> × <paramref name="columns"/> matrix into <paramref name="sums"/> (overwritten).</summary>
    public static void ColumnSums(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sums)
    {
        sums[..columns].Clear();
        for (int i = 0; i < rows; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(sums[..columns], matrix.Slice(i * columns, columns), sums[..columns]);
    }

    private static void Check(bool condition)
    {
        if (!condition) throw new ArgumentException("Matrix buffers are smaller than their stated shapes.");
    }

    /// <summary>
    /// C[m×n] = Â·B (+ bias) where Â(r, p) = a[r·rowStride + p·innerStride], r &lt; m, p &lt; k, and B is k×n row-major.
    /// </summary>
    private static void Kernel(float* a, int rowStride, int innerStride, int m, int k, float* b, int n, float* c, float* bias)
    {
        int r = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; r + 4 <= m; r += 4)
                Rows4(a + r * rowStride, rowStride, innerStride, k, b, n, c + r * n, bias);
        }
        for (; r < m; r++)
            Row1(a + r * rowStride, innerStride, k, b, n, c + r * n, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows4(float* a, int rs, int ks, int k, float* b, int n, float* c, float* bias)
    {
        float* a0 = a, a1 = a + rs, a2 = a + 2 * rs, a3 = a + 3 * rs;
        int j = 0;
        for (; j + 32 <= n; j += 32)
        {
            Vector256<float> i0 = Init(bias, j), i1 = Init(bias, j + 8), i2 = Init(bias, j + 16), i3 = Init(bias, j + 24);
            Vector256<float> c00 = i0, c01 = i1, c02 = i2, c03 = i3;
            Vector256<float> c10 = i0, c11 = i1, c12 = i2, c13 = i3;
            Vector256<float> c20 = i0, c21 = i1, c22 = i2, c23 = i3;
            Vector256<float> c30 = i0, c31 = i1, c32 = i2, c33 = i3;
            float* bp = b + j;
            for (int p = 0, ap = 0; p < k; p++, ap += ks, bp += n)
            {
                var b0 = Vector256.Load(bp);
                var b1 = Vector256.Load(bp + 8);
                var b2 = Vector256.Load(bp + 16);
                var b3 = Vector256.Load(bp + 24);
                var x = Vector256.Create(a0[ap]);
                c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
                c02 = Vector256.FusedMultiplyAdd(x, b2, c02); c03 = Vector256.FusedMultiplyAdd(x, b3, c03);
                x = Vector256.Create(a1[ap]);
                c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
                c12 = Vector256.FusedMultiplyAdd(x, b2, c12); c13 = Vector256.FusedMultiplyAdd(x, b3, c13);
                x = Vector256.Create(a2[ap]);
                c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
                c22 = Vector256.FusedMultiplyAdd(x, b2, c22); c23 = Vector256.FusedMultiplyAdd(x, b3, c23);
                x = Vector256.Create(a3[ap]);
                c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
                c32 = Vector256.FusedMultiplyAdd(x, b2, c32); c33 = Vector256.FusedMultiplyAdd(x, b3, c33);
            }
            float* o = c + j;
            c00.Store(o); c01.Store(o + 8); c02.Store(o + 16); c03.Store(o + 24); o += n;
            c10.Store(o); c11.Store(o + 8); c12.Store(o + 16); c13.Store(o + 24); o += n;
            c20.Store(o); c21.Store(o + 8); c22.Store(o + 16); c23.Store(o + 24); o += n;
            c30.Store(o); c31.Store(o + 8); c32.Store(o + 16); c33.Store(o + 24);
        }
        for (; j + 8 <= n; j += 8)
        {
            var init = Init(bias, j);
            Vector256<float> c0 = init, c1 = init, c2 = init, c3 = init;
            float* bp = b + j;
            for (int p = 0, ap = 0; p < k; p++, ap += ks, bp += n)
            {
                var bv = Vector256.Load(bp);
                c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a0[ap]), bv, c0);
                c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a1[ap]), bv, c1);
                c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a2[ap]), bv, c2);
                c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a3[ap]), bv, c3);
            }
            c0.Store(c + j); c1.Store(c + n + j); c2.Store(c + 2 * n + j); c3.Store(c + 3 * n + j);
        }
        for (; j < n; j++)
        {
            float s0 = bias == null ? 0 : bias[j], s1 = s0, s2 = s0, s3 = s0;
            float* bp = b + j;
            for (int p = 0, ap = 0; p < k; p++, ap += ks, bp += n)
            {
                float bv = *bp;
                s0 = MathF.FusedMultiplyAdd(a0[ap], bv, s0);
                s1 = MathF.FusedMultiplyAdd(a1[ap], bv, s1);
                s2 = MathF.FusedMultiplyAdd(a2[ap], bv, s2);
                s3 = MathF.FusedMultiplyAdd(a3[ap], bv, s3);
            }
            c[j] = s0; c[n + j] = s1; c[2 * n + j] = s2; c[3 * n + j] = s3;
        }
    }

    /// <summary>
    /// One row (single-row scoring, and the rows left over by <see cref="Rows4"/>): four independent accumulators per
    /// 32 columns, so the FMA latency chain of one accumulator does not bound the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row1(float* a, int ks, int k, float* b, int n, float* c, float* bias)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 32 <= n; j += 32)
            {
                Vector256<float> c0 = Init(bias, j), c1 = Init(bias, j + 8), c2 = Init(bias, j + 16), c3 = Init(bias, j + 24);
                float* bp = b + j;
                for (int p = 0, ap = 0; p < k; p++, ap += ks, bp += n)
                {
                    var x = Vector256.Create(a[ap]);
                    c0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp), c0);
                    c1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp + 8), c1);
                    c2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp + 16), c2);
                    c3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp + 24), c3);
                }
                c0.Store(c + j); c1.Store(c + j + 8); c2.Store(c + j + 16); c3.Store(c + j + 24);
            }
            for (; j + 8 <= n; j += 8)
            {
                var acc = Init(bias, j);
                float* bp = b + j;
                for (int p = 0, ap = 0; p < k; p++, ap += ks, bp += n)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(a[ap]), Vector256.Load(bp), acc);
                acc.Store(c + j);
            }
        }
        for (; j < n; j++)
        {
            float s = bias == null ? 0 : bias[j];
            float* bp = b + j;
            for (int p = 0, ap = 0; p < k; p++, ap += ks, bp += n)
                s = MathF.FusedMultiplyAdd(a[ap], *bp, s);
            c[j] = s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Init(float* bias, int j) => bias == null ? Vector256<float>.Zero : Vector256.Load(bias + j);
}
