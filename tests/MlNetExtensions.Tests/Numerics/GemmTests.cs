using MlNetExtensions.Numerics;

namespace MlNetExtensions.Tests.Numerics;

public class GemmTests
{
    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 50, 64)]
    [InlineData(7, 13, 37)]
    [InlineData(9, 3, 1)]
    [InlineData(200, 64, 1)]
    [InlineData(5, 1, 70)]
    public void Multiply_EqualsNaiveProductPlusBias(int m, int k, int n)
    {
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var bias = Random(n, 3);
        var c = new float[m * n];
        Gemm.Multiply(a, m, k, b, n, c, bias);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = bias[j];
                for (int p = 0; p < k; p++) s += (double)a[i * k + p] * b[p * n + j];
                Assert.Equal(s, c[i * n + j], 1e-4);
            }
    }

    [Theory]
    [InlineData(6, 5, 40)]
    [InlineData(200, 50, 64)]
    [InlineData(3, 9, 1)]
    public void MultiplyTransposedLeft_EqualsNaiveProduct(int m, int k, int n)
    {
        var a = Random(m * k, 4);
        var d = Random(m * n, 5);
        var c = new float[k * n];
        Gemm.MultiplyTransposedLeft(a, m, k, d, n, c);
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int i = 0; i < m; i++) s += (double)a[i * k + p] * d[i * n + j];
                Assert.Equal(s, c[p * n + j], 1e-3);
            }
    }

    [Fact]
    public void Multiply_RowResultDoesNotDependOnTheBatchItIsIn()
    {
        // Single-row scoring and batched training must give the same bits for the same row.
        var a = Random(9 * 50, 6);
        var b = Random(50 * 64, 7);
        var all = new float[9 * 64];
        Gemm.Multiply(a, 9, 50, b, 64, all, ReadOnlySpan<float>.Empty);
        for (int i = 0; i < 9; i++)
        {
            var one = new float[64];
            Gemm.Multiply(a.AsSpan(i * 50, 50), 1, 50, b, 64, one, ReadOnlySpan<float>.Empty);
            Assert.Equal(all.AsSpan(i * 64, 64).ToArray(), one);
        }
    }
}
