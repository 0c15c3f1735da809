using CsCheck;
using Microsoft.ML;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Properties;

/// <summary>
/// The same data given as sparse and as dense vectors gives the same model. With the layout left to Auto the decision reads
/// the values, not their storage, so both take the same path and the models are bit-identical; with the layouts forced
/// apart (sparse kernels against dense SIMD kernels, a different order of arithmetic) they agree within 1e-6 relative.
/// </summary>
public class SparseDenseEquivalenceProperties
{
    private const int Cases = 100;

    /// <summary>n in [10, 80] rows of d in [32, 96] slots with 3–15% non-zeros (so Auto picks the sparse layout).</summary>
    private static readonly Gen<(int N, int D, double Density, int Seed)> Shapes =
        Gen.Select(Gen.Int[10, 80], Gen.Int[32, 96], Gen.Double[0.03, 0.15], Gen.Int);

    private static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double relative)
    {
        double scale = expected.Max(Math.Abs) + 1e-300;
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * scale,
                $"coefficient {i}: {expected[i]:R} against {actual[i]:R} (scale {scale:G4})");
    }

    private static float[] Bits(IEnumerable<float> weights, float bias) => [.. weights, bias];

    [Fact]
    public void ClosedForm_SparseOrDenseVectors_GiveBitIdenticalModels()
        => Shapes.Sample(s =>
        {
            var ml = new MLContext(seed: 0);
            var p = SparseData.Problem.Create(s.N, s.D, s.Density, s.Seed);
            var trainer = ml.Regression.Trainers.ClosedFormLinearRegression(exampleWeightColumnName: "Weight", l2Regularization: 0.1);
            var a = trainer.Fit(SparseData.View(ml, p)).Model;
            var b = trainer.Fit(SparseData.View(ml, p, asDense: true)).Model;
            Assert.Equal(Bits(a.Weights, a.Bias), Bits(b.Weights, b.Bias));
        }, iter: Cases);

    [Theory]
    [InlineData(LinearRegressionSolver.NormalEquations)]
    [InlineData(LinearRegressionSolver.ConjugateGradient)]
    public void ClosedForm_SparseAndDenseLayouts_AgreeWithin1e6(LinearRegressionSolver solver)
        => Shapes.Sample(s =>
        {
            var ml = new MLContext(seed: 0);
            var p = SparseData.Problem.Create(s.N, s.D, s.Density, s.Seed);
            IReadOnlyList<double> Fit(FeatureLayout layout) => ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options
            {
                ExampleWeightColumnName = "Weight",
                L2Regularization = 0.1,
                FeatureLayout = layout,
                Solver = solver,
                ConjugateGradientTolerance = 1e-12,
            }).Fit(SparseData.View(ml, p)).Model.GetStatistics().Coefficients;
            Close(Fit(FeatureLayout.Dense), Fit(FeatureLayout.Sparse), 1e-6);
        }, iter: Cases);

    [Fact]
    public void ClosedForm_ConjugateGradients_ReachTheNormalEquationsSolution()
        => Shapes.Sample(s =>
        {
            var ml = new MLContext(seed: 0);
            // Ridge, or λ = 0 with more rows than features (all-zero columns still leave exact null directions, which both
            // solvers keep at zero). Nearly singular λ = 0 problems have no numerically unique minimum-norm solution: the
            // eigendecomposition cuts eigenvalues below 1e-12 of the largest where conjugate gradients would chase them.
            double l2 = s.Seed % 2 == 0 ? 0.5 : 0;
            var p = SparseData.Problem.Create(l2 == 0 ? s.N + s.D + 20 : s.N, s.D, s.Density, s.Seed);
            IReadOnlyList<double> Fit(LinearRegressionSolver solver) => ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options
            {
                ExampleWeightColumnName = "Weight",
                L2Regularization = l2,
                Solver = solver,
                ConjugateGradientTolerance = 1e-13,
            }).Fit(SparseData.View(ml, p)).Model.GetStatistics().Coefficients;
            Close(Fit(LinearRegressionSolver.NormalEquations), Fit(LinearRegressionSolver.ConjugateGradient), 1e-6);
        }, iter: Cases);

    [Theory]
    [InlineData(LogisticOptimizer.Newton)]
    [InlineData(LogisticOptimizer.Lbfgs)]
    public void Logistic_SparseAndDenseLayouts_AgreeWithin1e6(LogisticOptimizer optimizer)
        => Shapes.Sample(s =>
        {
            var ml = new MLContext(seed: 0);
            var p = SparseData.Problem.Create(s.N, s.D, s.Density, s.Seed, binary: true);
            var view = SparseData.View(ml, p, booleanLabel: true);
            IReadOnlyList<double> Fit(FeatureLayout layout) => ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
            {
                ExampleWeightColumnName = "Weight",
                L2Regularization = 0.05,
                Optimizer = optimizer,
                GradientTolerance = 1e-10,
                FeatureLayout = layout,
                ComputeStatistics = false,
            }).Fit(view).Model.SubModel.GetStatistics().Coefficients;
            Close(Fit(FeatureLayout.Dense), Fit(FeatureLayout.Sparse), 1e-6);
        }, iter: Cases);

    [Fact]
    public void Logistic_SparseOrDenseVectors_GiveBitIdenticalModels()
        => Shapes.Sample(s =>
        {
            var ml = new MLContext(seed: 0);
            var p = SparseData.Problem.Create(s.N, s.D, s.Density, s.Seed, binary: true);
            var trainer = ml.BinaryClassification.Trainers.BceLogisticRegression(exampleWeightColumnName: "Weight", l2Regularization: 0.05);
            var a = trainer.Fit(SparseData.View(ml, p, booleanLabel: true)).Model.SubModel;
            var b = trainer.Fit(SparseData.View(ml, p, asDense: true, booleanLabel: true)).Model.SubModel;
            Assert.Equal(Bits(a.Weights, a.Bias), Bits(b.Weights, b.Bias));
        }, iter: Cases);

    [Fact]
    public void Poisson_SparseAndDenseLayouts_AgreeWithin1e6()
        => Shapes.Sample(s =>
        {
            var ml = new MLContext(seed: 0);
            var p = SparseData.Problem.Create(s.N, s.D, s.Density, s.Seed, counts: true);
            IReadOnlyList<double> Fit(FeatureLayout layout) => ml.Regression.Trainers.PoissonRegression(new PoissonRegressionTrainer.Options
            {
                ExampleWeightColumnName = "Weight",
                L2Regularization = 0.05,
                GradientTolerance = 1e-10,
                FeatureLayout = layout,
            }).Fit(SparseData.View(ml, p)).Model.GetStatistics().Coefficients;
            Close(Fit(FeatureLayout.Dense), Fit(FeatureLayout.Sparse), 1e-6);
        }, iter: Cases);
}
