using CsCheck;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Numerics;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Properties;

/// <summary>
/// Invariances every least-squares solution must have, checked on 1000 random problems each through the accumulator and
/// the solver the trainer uses (the trainer adds only reading; a save/load property covers the ML.NET side).
/// </summary>
public class LinearSolutionProperties
{
    private const int Iterations = 1000;

    /// <summary>A well-posed random problem: n in [d + 3, 60] rows, d in [1, 5] features, noisy linear labels.</summary>
    private static readonly Gen<Problem> Problems =
        Gen.Select(Gen.Int[1, 5], Gen.Int[0, 57], Gen.Int).Select((d, extra, seed) => Problem.Create(d, d + 3 + extra, seed));

    internal sealed record Problem(float[][] X, float[] Y, int Seed)
    {
        public int D => X[0].Length;

        public static Problem Create(int d, int n, int seed)
        {
            var rng = new Random(seed);
            var theta = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
            var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (float)TestData.Gaussian(rng)).ToArray()).ToArray();
            var y = x.Select(r => (float)(r.Select((v, j) => v * theta[j]).Sum() + 0.5 + 0.3 * TestData.Gaussian(rng))).ToArray();
            return new Problem(x, y, seed);
        }
    }

    private static LeastSquaresSolution Solve(float[][] x, float[] y, float[]? w = null, double l2 = 0)
    {
        var acc = new NormalEquationAccumulator(x[0].Length);
        for (int i = 0; i < x.Length; i++) acc.Add(x[i], y[i], w?[i] ?? 1f);
        return LeastSquaresSolver.Solve(acc.ToMoments(), l2);
    }

    private static void Close(double expected, double actual, double relative = 1e-6)
        => Assert.True(Math.Abs(expected - actual) <= relative * (1 + Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Fact]
    public void RowOrder_DoesNotChangeTheSolution()
        => Problems.Sample(p =>
        {
            var order = Enumerable.Range(0, p.Y.Length).OrderBy(i => (i * 7919 + p.Seed) % 104729).ToArray();
            var a = Solve(p.X, p.Y);
            var b = Solve(order.Select(i => p.X[i]).ToArray(), order.Select(i => p.Y[i]).ToArray());
            Close(a.Bias, b.Bias);
            for (int j = 0; j < p.D; j++) Close(a.Weights[j], b.Weights[j]);
        }, iter: Iterations);

    [Fact]
    public void ScalingAFeatureByC_ScalesItsCoefficientBy1OverC()
        => Gen.Select(Problems, Gen.Int[0, 4]).Sample((p, k) =>
        {
            int j = k % p.D;
            const float c = 4f; // a power of two: the scaled floats are exact
            var scaled = p.X.Select(r => r.Select((v, i) => i == j ? v * c : v).ToArray()).ToArray();
            var a = Solve(p.X, p.Y);
            var b = Solve(scaled, p.Y);
            Close(a.Weights[j] / c, b.Weights[j]);
            Close(a.Bias, b.Bias);
        }, iter: Iterations);

    [Fact]
    public void IntegerWeightK_EqualsRepeatingTheRowKTimes()
        => Problems.Sample(p =>
        {
            var w = p.Y.Select((_, i) => (float)(1 + ((i + p.Seed) % 3 + 3) % 3)).ToArray();
            var repeatedX = p.X.SelectMany((r, i) => Enumerable.Repeat(r, (int)w[i])).ToArray();
            var repeatedY = p.Y.SelectMany((v, i) => Enumerable.Repeat(v, (int)w[i])).ToArray();
            var a = Solve(p.X, p.Y, w);
            var b = Solve(repeatedX, repeatedY);
            Close(b.Bias, a.Bias);
            for (int j = 0; j < p.D; j++) Close(b.Weights[j], a.Weights[j]);
        }, iter: Iterations);

    [Fact]
    public void ShiftingTheLabelByC_ShiftsOnlyTheBias()
        => Gen.Select(Problems, Gen.Int[-1000, 1000]).Sample((p, shift) =>
        {
            var a = Solve(p.X, p.Y);
            var b = Solve(p.X, p.Y.Select(v => v + shift).ToArray());
            Close(a.Bias + shift, b.Bias, 1e-5);
            for (int j = 0; j < p.D; j++) Close(a.Weights[j], b.Weights[j], 1e-4);
        }, iter: Iterations);

    [Fact]
    public void DuplicatingAColumn_SplitsItsCoefficientAndKeepsPredictions()
        => Problems.Sample(p =>
        {
            var duplicated = p.X.Select(r => r.Append(r[0]).ToArray()).ToArray();
            var a = Solve(p.X, p.Y);
            var b = Solve(duplicated, p.Y);
            Assert.True(b.IsMinimumNorm);
            Close(a.Weights[0] / 2, b.Weights[0], 1e-5);
            Close(a.Weights[0] / 2, b.Weights[p.D], 1e-5);
            for (int i = 0; i < p.X.Length; i++)
            {
                double pa = a.Bias + p.X[i].Select((v, j) => v * a.Weights[j]).Sum();
                double pb = b.Bias + duplicated[i].Select((v, j) => v * b.Weights[j]).Sum();
                Close(pa, pb, 1e-5);
            }
        }, iter: Iterations);

    [Fact]
    public void Ridge_NeverIncreasesTheWeightNorm()
        => Gen.Select(Problems, Gen.Double[0, 10], Gen.Double[0, 10]).Sample((p, l1, l2) =>
        {
            double lo = Math.Min(l1, l2), hi = Math.Max(l1, l2);
            double Norm(LeastSquaresSolution s) => Math.Sqrt(s.Weights.Sum(v => v * v));
            Assert.True(Norm(Solve(p.X, p.Y, l2: hi)) <= Norm(Solve(p.X, p.Y, l2: lo)) * (1 + 1e-9));
        }, iter: Iterations);

    [Fact]
    public void Residuals_AreOrthogonalToEveryFeatureAndSumToZero()
        => Problems.Sample(p =>
        {
            // The normal equations themselves: Xᵀr = 0 and Σr = 0 at the least-squares optimum.
            var s = Solve(p.X, p.Y);
            var r = p.X.Select((row, i) => p.Y[i] - s.Bias - row.Select((v, j) => v * s.Weights[j]).Sum()).ToArray();
            double scale = p.Y.Select(v => Math.Abs((double)v)).Sum() + 1;
            Assert.True(Math.Abs(r.Sum()) < 1e-6 * scale);
            for (int j = 0; j < p.D; j++)
                Assert.True(Math.Abs(r.Select((v, i) => v * p.X[i][j]).Sum()) < 1e-6 * scale * 10);
        }, iter: Iterations);

    [Fact]
    public void SaveLoadScore_IsTheIdentity()
    {
        var ml = new MLContext(seed: 0);
        Problems.Sample(p =>
        {
            var data = TestData.FromRows(ml, p.X, p.Y);
            var model = ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
            using var stream = new MemoryStream();
            ml.Model.Save(model, data.Schema, stream);
            stream.Position = 0;
            var loaded = ml.Model.Load(stream, out _);
            Assert.Equal(model.Transform(data).GetColumn<float>("Score"), loaded.Transform(data).GetColumn<float>("Score"));
        }, iter: 100);
    }
}
