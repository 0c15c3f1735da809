using CsCheck;
using MlNetExtensions.Numerics;

namespace MlNetExtensions.Tests.Numerics;

public class NormalEquationAccumulatorTests
{
    private static (float[] X, float[] Y, float[] W) Rows(int n, int d, int seed, float offset = 0)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, n * d).Select(_ => (float)(rng.NextDouble() * 10 - 5) + offset).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 100)).ToArray();
        var w = Enumerable.Range(0, n).Select(_ => (float)rng.Next(0, 4)).ToArray();
        return (x, y, w);
    }

    private static void AssertSame(LeastSquaresMoments expected, LeastSquaresMoments actual)
    {
        const double tol = 1e-9;
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.WeightSum, actual.WeightSum, tol);
        Assert.Equal(expected.LabelMean, actual.LabelMean, tol * Math.Abs(expected.LabelMean) + tol);
        Assert.Equal(expected.LabelSumOfSquares, actual.LabelSumOfSquares, tol * expected.LabelSumOfSquares);
        for (int i = 0; i < expected.FeatureMeans.Length; i++)
            Assert.Equal(expected.FeatureMeans[i], actual.FeatureMeans[i], tol * (1 + Math.Abs(expected.FeatureMeans[i])));
        double scale = expected.CrossProducts.Max(Math.Abs) + 1;
        for (int i = 0; i < expected.CrossProducts.Length; i++)
            Assert.Equal(expected.CrossProducts[i], actual.CrossProducts[i], tol * scale);
        for (int i = 0; i < expected.FeatureLabelProducts.Length; i++)
            Assert.Equal(expected.FeatureLabelProducts[i], actual.FeatureLabelProducts[i], tol * scale * 100);
    }

    [Fact]
    public void Merge_ShardsWithDifferentShifts_EqualsTheWhole()
    {
        const int n = 1000, d = 7;
        var (x, y, w) = Rows(n, d, seed: 1, offset: 1000);
        var whole = new NormalEquationAccumulator(d);
        whole.AddRows(x, y, w);

        // Three shards of uneven sizes; each picks its own shift from its own first row.
        int[] cuts = [0, 13, 600, n];
        var merged = new NormalEquationAccumulator(d);
        for (int s = 0; s < 3; s++)
        {
            var shard = new NormalEquationAccumulator(d);
            shard.AddRows(x.AsSpan(cuts[s] * d, (cuts[s + 1] - cuts[s]) * d), y.AsSpan(cuts[s], cuts[s + 1] - cuts[s]), w.AsSpan(cuts[s], cuts[s + 1] - cuts[s]));
            merged.Merge(shard);
        }
        AssertSame(whole.ToMoments(), merged.ToMoments());
    }

    [Fact]
    public void Merge_AnyShardSplit_EqualsTheWhole_Property()
    {
        Gen.Select(Gen.Int[1, 300], Gen.Int[1, 9], Gen.Int, Gen.Double[0, 1]).Sample((n, d, seed, cut) =>
        {
            var (x, y, w) = Rows(n, d, seed, offset: 50);
            w[0] = 1; // at least one positive weight
            int k = (int)(cut * n);
            var whole = new NormalEquationAccumulator(d);
            whole.AddRows(x, y, w);
            var a = new NormalEquationAccumulator(d);
            var b = new NormalEquationAccumulator(d);
            a.AddRows(x.AsSpan(0, k * d), y.AsSpan(0, k), w.AsSpan(0, k));
            b.AddRows(x.AsSpan(k * d), y.AsSpan(k), w.AsSpan(k));
            b.Merge(a); // merge order must not matter either
            AssertSame(whole.ToMoments(), b.ToMoments());
        }, iter: 1000);
    }

    [Fact]
    public void ToMoments_SmallCase_EqualsTextbookSums()
    {
        var acc = new NormalEquationAccumulator(1);
        acc.Add([1f], 2f);
        acc.Add([3f], 4f, weight: 2f);
        var m = acc.ToMoments();
        // Σw = 3, x̄ = (1 + 6)/3, ȳ = (2 + 8)/3; Σw(x−x̄)² = (1−7/3)² + 2(3−7/3)² = 24/9.
        Assert.Equal(3, m.WeightSum, 12);
        Assert.Equal(7.0 / 3, m.FeatureMeans[0], 12);
        Assert.Equal(10.0 / 3, m.LabelMean, 12);
        Assert.Equal(24.0 / 9, m.CrossProducts[0], 12);
        Assert.Equal(24.0 / 9, m.FeatureLabelProducts[0], 12);
        Assert.Equal(2, m.Count);
    }

    [Fact]
    public void AddRows_NonFiniteOrNegativeWeight_ThrowsNamingTheProblem()
    {
        var acc = new NormalEquationAccumulator(2);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => acc.Add([1f, float.NaN], 1f)).Message);
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => acc.Add([1f, 2f], 1f, -1f)).Message);
        Assert.Contains("Expected", Assert.Throws<ArgumentException>(() => acc.Add([1f], 1f)).Message);
    }

    [Fact]
    public void Merge_DifferentWidths_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new NormalEquationAccumulator(2).Merge(new NormalEquationAccumulator(3)));
        Assert.Contains("3 features", e.Message);
    }

    [Fact]
    public void ToMoments_Empty_Throws()
        => Assert.Throws<InvalidOperationException>(() => new NormalEquationAccumulator(2).ToMoments());

    [Fact]
    public void ExportState_RestoredShards_MergeBitIdenticallyToTheOriginals()
    {
        // What a shard grain sends to the client: the restored accumulator must merge exactly like the one it was taken of.
        const int n = 500, d = 5;
        var (x, y, w) = Rows(n, d, seed: 3, offset: 100);
        var shards = new[] { (From: 0, To: 200), (From: 200, To: 201), (From: 201, To: n) }.Select(c =>
        {
            var shard = new NormalEquationAccumulator(d);
            shard.AddRows(x.AsSpan(c.From * d, (c.To - c.From) * d), y.AsSpan(c.From, c.To - c.From), w.AsSpan(c.From, c.To - c.From));
            return shard;
        }).ToArray();
        var direct = new NormalEquationAccumulator(d);
        var restored = new NormalEquationAccumulator(d);
        foreach (var shard in shards)
        {
            direct.Merge(shard);
            var snapshot = shard.ExportState();
            Assert.Equal((d + 2) * (d + 3) / 2, snapshot.UpperSums.Length);
            restored.Merge(NormalEquationAccumulator.FromState(snapshot));
        }
        var (a, b) = (direct.ToMoments(), restored.ToMoments());
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.CrossProducts, b.CrossProducts);
        Assert.Equal(a.FeatureLabelProducts, b.FeatureLabelProducts);
        Assert.Equal(a.FeatureMeans, b.FeatureMeans);
        Assert.Equal(a.LabelSumOfSquares, b.LabelSumOfSquares);
        Assert.Throws<ArgumentException>(() => NormalEquationAccumulator.FromState(shards[0].ExportState() with { UpperSums = new double[3] }));
    }
}
