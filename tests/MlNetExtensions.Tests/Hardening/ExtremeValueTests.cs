using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Hardening;

/// <summary>
/// Issue 6: extreme magnitudes (1e30, 1e-30, subnormals) and n &lt; d with L2, across the trainers. Each either fits a
/// finite model that is right, or fails with a clear exception; none returns a model of NaNs.
/// </summary>
public class ExtremeValueTests
{
    private readonly MLContext _ml = new(seed: 0);

    private static (float[][] X, float[] Y) Scaled(float scale, int n = 200)
    {
        var (x, y) = TestData.Linear(n, [1.0, -2.0], 0.5, noise: 0.01, seed: 21);
        return (x.Select(r => r.Select(v => v * scale).ToArray()).ToArray(), y);
    }

    [Theory]
    [InlineData(1e30f)]
    [InlineData(1e-30f)]
    [InlineData(1e-36f)]
    public void ClosedForm_ExtremeFeatureScales_RecoverTheScaledCoefficients(float scale)
    {
        var (x, y) = Scaled(scale);
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y));
        // y = 1·x₀ − 2·x₁ + 0.5 with x scaled by s: the coefficients scale by 1/s.
        Assert.Equal(1.0, model.Model.Weights[0] * (double)scale, 2);
        Assert.Equal(-2.0, model.Model.Weights[1] * (double)scale, 2);
        Assert.Equal(0.5, model.Model.Bias, 2);
    }

    [Fact]
    public void ClosedForm_SubnormalFeatures_WhoseCoefficientsOverflowSingle_SayRescale()
    {
        // Features around 1e-40 (subnormal floats) need coefficients around 1e40, beyond Single's 3.4e38.
        var (x, y) = Scaled(1e-40f);
        var e = Assert.Throws<InvalidOperationException>(() =>
            _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y)));
        Assert.Contains("do not fit in Single", e.Message);
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("NormalizeMeanVariance", e.Message);
    }

    [Fact]
    public void ClosedForm_HugeLabels_StayFinite()
    {
        var (x, y) = Scaled(1);
        var huge = y.Select(v => v * 1e30f).ToArray();
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, huge));
        Assert.Equal(-2e30, model.Model.Weights[1], 1e28);
        Assert.True(model.Model.Weights.All(float.IsFinite) && float.IsFinite(model.Model.Bias));
    }

    [Fact]
    public void ClosedForm_FewerRowsThanFeaturesWithRidge_IsTheUniqueRidgeSolution()
    {
        // With λ > 0 the system is positive definite even for n < d: Cholesky, no fallback, and the ridge identity
        // θ = Xcᵀ(XcXcᵀ + λI)⁻¹yc holds.
        var rng = new Random(5);
        int n = 5, d = 12;
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (float)TestData.Gaussian(rng)).ToArray()).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (float)TestData.Gaussian(rng)).ToArray();
        var messages = new List<string>();
        _ml.Log += (_, e) => messages.Add(e.Message);
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: 0.5).Fit(TestData.FromRows(_ml, x, y));

        var design = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, d, (i, j) => x[i][j]);
        var means = design.ColumnSums() / n;
        var xc = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, d, (i, j) => x[i][j] - means[j]);
        var yv = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(n, i => y[i]);
        var yc = yv - yv.Average();
        var theta = xc.Transpose() * (xc * xc.Transpose() + 0.5 * MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(n)).Solve(yc);
        for (int j = 0; j < d; j++) Assert.Equal(theta[j], model.Model.Weights[j], 4);
        Assert.DoesNotContain(messages, m => m.Contains("minimum-norm"));
    }

    [Theory]
    [InlineData(1e30f)]
    [InlineData(1e-30f)]
    public void BceLogisticRegression_ExtremeFeatureScales_GiveFiniteModelOrClearError(float scale)
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, 200).Select(_ => new[] { (float)TestData.Gaussian(rng) * scale, (float)TestData.Gaussian(rng) * scale }).ToArray();
        var y = x.Select((r, i) => (r[0] - r[1]) / scale + 0.7 * TestData.Gaussian(rng) > 0 ? 1f : 0f).ToArray();
        var data = TestData.FromRows(_ml, x, y);
        try
        {
            var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 1e-3).Fit(data);
            Assert.True(model.Model.SubModel.Weights.All(float.IsFinite) && float.IsFinite(model.Model.SubModel.Bias));
            var probabilities = model.Transform(data).GetColumn<float>("Probability").ToArray();
            Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
            // At 1e30 the signal is reachable with small weights; at 1e-30 it needs weights near 1e30, which the L2 penalty
            // forbids, so the penalised optimum is (correctly) a near-constant model.
            var accuracy = _ml.BinaryClassification.Evaluate(model.Transform(data)).Accuracy;
            if (scale > 1) Assert.True(accuracy > 0.7, $"accuracy {accuracy}");
            else Assert.True(model.Model.SubModel.Weights.All(w => Math.Abs(w) < 1), "the L2 penalty keeps the weights small");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Theory]
    [InlineData(1e30f)]
    [InlineData(1e-30f)]
    public void Mlp_ExtremeFeatureScales_GiveFiniteModelOrClearError(float scale)
    {
        var (x, y) = Scaled(scale);
        var data = TestData.FromRows(_ml, x, y);
        try
        {
            var model = _ml.Regression.Trainers.Mlp(hiddenLayerSizes: [4], numberOfEpochs: 5, seed: 1).Fit(data);
            var scores = model.Transform(data).GetColumn<float>("Score").ToArray();
            Assert.All(scores, s => Assert.True(float.IsFinite(s)));
        }
        catch (InvalidOperationException e)
        {
            // A diverging fit must say so and suggest the fixes.
            Assert.Contains("diverged", e.Message);
            Assert.Contains("LearningRate", e.Message);
            Assert.Contains("NormalizeMeanVariance", e.Message);
        }
    }
}
