using MlNetExtensions.Numerics;

namespace MlNetExtensions.Tests.Numerics;

public class SyrkKernelTests
{
    [Theory]
    [InlineData(1, 3, false)]
    [InlineData(7, 12, false)]
    [InlineData(32, 52, false)]
    [InlineData(33, 57, false)]
    [InlineData(5, 64, false)]
    [InlineData(1, 3, true)]
    [InlineData(7, 12, true)]
    [InlineData(32, 52, true)]
    [InlineData(33, 57, true)]
    [InlineData(5, 64, true)]
    public void UpperRankKUpdate_EqualsNaiveBtB_OnAndAboveTheDiagonal(int rows, int width, bool wideTiles)
    {
        // Both vector paths (AVX2 4 × 8 tiles and, where the CPU has it, AVX-512 4 × 16 tiles) against a naive loop.
        if (wideTiles && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return; // nothing to run here
        var rng = new Random(rows * 31 + width);
        int stride = SyrkKernel.StrideFor(width);
        var block = new double[rows * stride];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < width; c++) block[r * stride + c] = rng.NextDouble() * 2 - 1;
        var sums = new double[stride * stride];
        var scalar = new double[stride * stride];
        if (wideTiles) SyrkKernel.UpperRankKUpdateVector512(block, rows, stride, width, sums);
        else SyrkKernel.UpperRankKUpdateVector(block, rows, stride, width, sums);
        SyrkKernel.UpperRankKUpdateScalar(block, rows, stride, width, scalar);

        for (int i = 0; i < width; i++)
            for (int j = i; j < width; j++)
            {
                double expected = 0;
                for (int r = 0; r < rows; r++) expected += block[r * stride + i] * block[r * stride + j];
                Assert.Equal(expected, sums[i * stride + j], 1e-12);
                Assert.Equal(expected, scalar[i * stride + j], 1e-12);
            }
    }

    [Fact]
    public void UpperRankKUpdate_StrideTooNarrowForTheTiles_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => SyrkKernel.UpperRankKUpdate(new double[12], 1, 12, 12, new double[144]));
        Assert.Contains("at least 24", e.Message);
    }
}
