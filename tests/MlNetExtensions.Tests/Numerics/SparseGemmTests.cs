using MlNetExtensions.Numerics;

namespace MlNetExtensions.Tests.Numerics;

/// <summary>The sparse first-layer kernels give the dense kernels' values on the same matrix (zeros left out).</summary>
public class SparseGemmTests
{
    /// <summary>An m × k matrix with about <paramref name="density"/> of its values non-zero (some rows empty), dense and as CSR.</summary>
    private static (float[] Dense, int[] Offsets, int[] Indices, float[] Values) Matrix(int m, int k, double density, int seed)
    {
        var rng = new Random(seed);
        var dense = new float[m * k];
        var offsets = new int[m + 1];
        var indices = new List<int>();
        var values = new List<float>();
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k && i % 5 != 3; p++)
            {
                if (rng.NextDouble() >= density) continue;
                float v = (float)(2 * rng.NextDouble() - 1);
                dense[i * k + p] = v;
                indices.Add(p);
                values.Add(v);
            }
            offsets[i + 1] = indices.Count;
        }
        return (dense, offsets, indices.ToArray(), values.ToArray());
    }

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();
    }

    [Theory]
    [InlineData(1, 40, 32)]
    [InlineData(9, 300, 32)]
    [InlineData(7, 50, 37)]
    [InlineData(6, 64, 1)]
    [InlineData(13, 100, 70)]
    public void Multiply_GivesTheDenseProductsBits(int m, int k, int n)
    {
        var (dense, offsets, indices, values) = Matrix(m, k, 0.1, seed: m + k + n);
        var b = Random(k * n, 2);
        var bias = Random(n, 3);
        var expected = new float[m * n];
        Gemm.Multiply(dense, m, k, b, n, expected, bias);
        var actual = new float[m * n];
        SparseGemm.Multiply(new CsrRows(offsets, indices, values, k), b, n, actual, bias);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(9, 300, 32)]
    [InlineData(7, 50, 37)]
    [InlineData(200, 64, 1)]
    [InlineData(13, 100, 70)]
    public void MultiplyTransposedLeft_GivesTheDenseGradientsBits_InTheTouchedRowsOnly(int m, int k, int n)
    {
        var (dense, offsets, indices, values) = Matrix(m, k, 0.05, seed: 2 * m + k + n);
        var d = Random(m * n, 5);
        var expected = new float[k * n];
        Gemm.MultiplyTransposedLeft(dense, m, k, d, n, expected);
        // Capacity 1: the slots have to grow (the only allocation is that growth).
        var accumulator = new SparseRowAccumulator(k, n, capacity: 1);
        SparseGemm.MultiplyTransposedLeft(new CsrRows(offsets, indices, values, k), d, n, accumulator);
        var touched = indices.Distinct().Order().ToArray();
        Assert.Equal(touched, accumulator.Rows.ToArray().Order());
        var actual = new float[k * n];
        accumulator.CopyTo(actual);
        Assert.Equal(expected, actual);
        for (int p = 0; p < k; p++)
            if (!touched.Contains(p)) Assert.All(expected.AsSpan(p * n, n).ToArray(), v => Assert.Equal(0f, v));

        accumulator.ClearRowsIn(actual);
        Assert.All(actual, v => Assert.Equal(0f, v));
        accumulator.Clear();
        Assert.Equal(0, accumulator.Count);
    }

    [Fact]
    public void MultiplyTransposedLeft_OfTwoHalves_AddsUpToTheWholeBatch()
    {
        // The split batch: two halves' touched rows, the second added onto the first, equal the dense halves' sum.
        const int m = 20, k = 60, n = 8;
        var (dense, offsets, indices, values) = Matrix(m, k, 0.1, seed: 11);
        var d = Random(m * n, 12);
        var first = new float[k * n];
        var second = new float[k * n];
        Gemm.MultiplyTransposedLeft(dense, m / 2, k, d, n, first);
        Gemm.MultiplyTransposedLeft(dense.AsSpan(m / 2 * k), m / 2, k, d.AsSpan(m / 2 * n), n, second);
        var expected = first.Zip(second, (a, b) => a + b).ToArray();

        var rows = new CsrRows(offsets, indices, values, k);
        var a1 = new SparseRowAccumulator(k, n, 64);
        var a2 = new SparseRowAccumulator(k, n, 64);
        SparseGemm.MultiplyTransposedLeft(rows.Slice(0, m / 2), d, n, a1);
        SparseGemm.MultiplyTransposedLeft(rows.Slice(m / 2, m / 2), d.AsSpan(m / 2 * n), n, a2);
        var actual = new float[k * n];
        a1.CopyTo(actual);
        a2.AddTo(actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Multiply_ColumnIndexOutsideTheMatrix_Throws()
    {
        static CsrRows Rows() => new([0, 2], [1, 4], [1f, 2f], columns: 4);
        var e = Assert.Throws<ArgumentException>(() => SparseGemm.Multiply(Rows(), new float[4 * 8], 8, new float[8], default));
        Assert.Contains("column index 4", e.Message);
        Assert.Throws<ArgumentException>(() => SparseGemm.MultiplyTransposedLeft(Rows(), new float[8], 8, new SparseRowAccumulator(4, 8, 4)));
    }
}
