using MlNetExtensions.Numerics;

namespace MlNetExtensions.Tests.Numerics;

public class SyrkKernelTests
{
    [Theory]
    [InlineData(1, 8)]
    [InlineData(7, 16)]
    [InlineData(128, 56)]
    [InlineData(33, 64)]
    public void UpperRankKUpdate_EqualsNaiveBtB_OnAndAboveTheDiagonal(int rows, int stride)
    {
        var rng = new Random(rows * 31 + stride);
        var block = Enumerable.Range(0, rows * stride).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var sums = new double[stride * stride];
        var scalar = new double[stride * stride];
        SyrkKernel.UpperRankKUpdate(block, rows, stride, sums);
        SyrkKernel.UpperRankKUpdateScalar(block, rows, stride, scalar);

        for (int i = 0; i < stride; i++)
            for (int j = i; j < stride; j++)
            {
                double expected = 0;
                for (int r = 0; r < rows; r++) expected += block[r * stride + i] * block[r * stride + j];
                Assert.Equal(expected, sums[i * stride + j], 1e-12);
                Assert.Equal(expected, scalar[i * stride + j], 1e-12);
            }
    }

    [Fact]
    public void UpperRankKUpdate_StrideNotMultipleOfEight_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => SyrkKernel.UpperRankKUpdate(new double[12], 1, 12, new double[144]));
        Assert.Contains("multiple of 8", e.Message);
    }
}
