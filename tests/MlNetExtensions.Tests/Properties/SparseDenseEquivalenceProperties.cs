using CsCheck;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Properties;

/// <summary>
/// The same data given as sparse and as dense vectors gives the same model. With the layout left to Auto the decision reads
/// the values, not their storage, so both take the same path and the models are bit-identical; with the layouts forced
/// apart (sparse kernels against dense SIMD kernels, a different order of arithmetic) they agree within 1e-6 relative.
/// The MLP's sparse kernels keep the dense kernels' order of arithmetic (every FMA chain with its zero terms left out), so
/// its two layouts give equal weights, loss curves and scores, on one thread or two.
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

    /// <summary>
    /// An MLP case that reaches every path: task (regression, binary, multiclass), optimizer (Adam, SGD, momentum, L-BFGS),
    /// hidden layers ([], [6], [5, 3]), batches of 16 rows or one batch of ≥ 128 rows (split in halves), λ zero or not,
    /// early stopping (its split and validation loss) or not, and the threads of each of the two fits.
    /// </summary>
    private static readonly Gen<(int N, int D, double Density, int Seed, int Task, int Optimizer, int Shape, bool Split, bool L2, int Threads)> MlpCases =
        Gen.Select(Shapes, Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 2], Gen.Bool, Gen.Bool, Gen.Int[0, 3])
            .Select((s, task, optimizer, shape, split, l2, threads) =>
                (split ? s.N + 120 : s.N, s.D, s.Density, s.Seed, task, optimizer, shape, split, l2, threads));

    private static readonly MlpOptimizer[] Optimizers = [MlpOptimizer.Adam, MlpOptimizer.Sgd, MlpOptimizer.Momentum, MlpOptimizer.Lbfgs];
    private static readonly int[][] HiddenShapes = [[], [6], [5, 3]];

    /// <summary>The case's data (sparse vectors, or dense ones) and the trainer for the given layout and threads.</summary>
    private static (IDataView Data, Func<FeatureLayout, int, IEstimator<ITransformer>> Trainer) MlpCase(MLContext ml,
        (int N, int D, double Density, int Seed, int Task, int Optimizer, int Shape, bool Split, bool L2, int Threads) c, bool asDense = false)
    {
        var p = SparseData.Problem.Create(c.N, c.D, c.Density, c.Seed, binary: c.Task == 1);
        MlpOptions Options(FeatureLayout layout, int threads) => new()
        {
            HiddenLayerSizes = HiddenShapes[c.Shape],
            Optimizer = Optimizers[c.Optimizer],
            LearningRate = Optimizers[c.Optimizer] == MlpOptimizer.Adam ? 1e-2 : 1e-3,
            Momentum = 0.9,
            NumberOfEpochs = 4,
            BatchSize = c.Split ? c.N : 16,
            L2Regularization = c.L2 ? 1e-2 : 0,
            ExampleWeightColumnName = "Weight",
            Seed = c.Seed,
            FeatureLayout = layout,
            NumberOfThreads = threads,
            StopOnTrainingLossPlateau = false,
            EarlyStopping = (c.Seed & 4) != 0,
        };
        switch (c.Task)
        {
            case 0:
                return (SparseData.View(ml, p, asDense), (layout, threads) => ml.Regression.Trainers.Mlp(Options(layout, threads)));
            case 1:
                return (SparseData.View(ml, p, asDense, booleanLabel: true), (layout, threads) => ml.BinaryClassification.Trainers.Mlp(Options(layout, threads)));
            default:
                // Three classes cut from the regression label at its terciles.
                var sorted = p.Y.Order().ToArray();
                float low = sorted[p.Y.Length / 3], high = sorted[2 * p.Y.Length / 3];
                var classes = p with { Y = p.Y.Select(y => y < low ? 0f : y < high ? 1f : 2f).ToArray() };
                var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(SparseData.View(ml, classes)).Transform(SparseData.View(ml, classes, asDense));
                return (keyed, (layout, threads) => ml.MulticlassClassification.Trainers.Mlp(Options(layout, threads)));
        }
    }

    private static MlpModelParameters MlpModel(ITransformer model) => ((MlpPredictionTransformer)model).Model;

    [Fact]
    public void Mlp_SparseAndDenseLayouts_GiveEqualModels()
        => MlpCases.Sample(c =>
        {
            var ml = new MLContext(seed: 0);
            var (data, trainer) = MlpCase(ml, c);
            var dense = MlpModel(trainer(FeatureLayout.Dense, 1 + (c.Threads & 1)).Fit(data));
            var sparse = MlpModel(trainer(FeatureLayout.Sparse, 1 + (c.Threads >> 1)).Fit(data));
            for (int l = 0; l < dense.LayerCount; l++)
            {
                Assert.Equal(dense.GetWeights(l), sparse.GetWeights(l));
                Assert.Equal(dense.GetBiases(l), sparse.GetBiases(l));
            }
            Assert.Equal(dense.TrainingLoss, sparse.TrainingLoss);
            Assert.Equal(dense.ValidationLoss, sparse.ValidationLoss);
            Assert.Equal(dense.OptimizerSteps, sparse.OptimizerSteps);
        }, iter: Cases);

    [Fact]
    public void Mlp_SparseAndDenseVectors_ScoreEqually_InBlocksAndOneRowAtATime()
        => MlpCases.Sample(c =>
        {
            var ml = new MLContext(seed: 0);
            var (sparseData, trainer) = MlpCase(ml, c);
            var (denseData, _) = MlpCase(ml, c, asDense: true);
            var model = trainer(FeatureLayout.Auto, 1).Fit(sparseData);
            var fromSparse = Scores(model.Transform(sparseData));
            Assert.Equal(fromSparse, Scores(model.Transform(denseData)));
            // The PredictionEngine path (MlpRowMapper) on a sparse and a dense vector of each row gives the block's scores.
            var mapper = ((MlpPredictionTransformer)model).GetRowToRowMapper(sparseData.Schema);
            foreach (var view in new[] { sparseData, denseData })
            {
                var score = mapper.OutputSchema["Score"];
                using var cursor = view.GetRowCursor(view.Schema);
                using var row = mapper.GetRow(cursor, [score]);
                int i = 0;
                if (score.Type is VectorDataViewType)
                {
                    var getter = row.GetGetter<VBuffer<float>>(score);
                    var value = default(VBuffer<float>);
                    while (cursor.MoveNext())
                    {
                        getter(ref value);
                        Assert.Equal(fromSparse[i++], value.DenseValues().ToArray());
                    }
                }
                else
                {
                    var getter = row.GetGetter<float>(score);
                    float value = 0;
                    while (cursor.MoveNext())
                    {
                        getter(ref value);
                        Assert.Equal(fromSparse[i++], new[] { value });
                    }
                }
                Assert.Equal(fromSparse.Count, i);
            }
        }, iter: Cases / 4);

    private static List<float[]> Scores(IDataView scored)
    {
        var column = scored.Schema["Score"];
        return column.Type is VectorDataViewType
            ? scored.GetColumn<VBuffer<float>>(column).Select(v => v.DenseValues().ToArray()).ToList()
            : scored.GetColumn<float>(column).Select(v => new[] { v }).ToList();
    }
}
