using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// Logistic regression on 200,000 × 50 in memory, BceLogisticRegression (each optimizer) against ML.NET's
/// LbfgsLogisticRegression and SdcaLogisticRegression, all asked for the same objective
/// (Σ BCE)/n + (λ/2)‖θ‖² with the bias unpenalised. The objective column is that function evaluated, in double, at
/// each contender's weights on the training data, so "lower is better" is comparable across trainers.
/// </summary>
internal sealed class LogisticRegressionComparison : IComparisonSuite
{
    private const int Rows = 200_000, Features = 50;
    private const double Lambda = 1e-4;

    public string Name => "logistic";

    private sealed class BinaryRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    public void Run(TextWriter output)
    {
        var ml = new MLContext(seed: 0);
        var (trainRows, train) = Generate(ml, Rows, seed: 1);
        var (_, holdout) = Generate(ml, 50_000, seed: 2);

        // ML.NET's L-BFGS minimises (Σ loss + (L2/2)‖θ‖²)/n, so L2 = λ·n gives the same optimum; SDCA's L2 is λ itself.
        var contenders = new (string Name, Func<IDataView, ITransformer> Fit)[]
        {
            ("BceLogisticRegression, Newton (defaults: all cores, with statistics)", d => Ours(ml, LogisticOptimizer.Newton, null, true).Fit(d)),
            ("BceLogisticRegression, Newton (all cores)", d => Ours(ml, LogisticOptimizer.Newton, null).Fit(d)),
            ("BceLogisticRegression, Newton (1 thread)", d => Ours(ml, LogisticOptimizer.Newton, 1).Fit(d)),
            ("BceLogisticRegression, L-BFGS (all cores)", d => Ours(ml, LogisticOptimizer.Lbfgs, null).Fit(d)),
            ("BceLogisticRegression, gradient descent (all cores)", d => Ours(ml, LogisticOptimizer.GradientDescent, null).Fit(d)),
            ("ML.NET LbfgsLogisticRegression", d => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(
                new LbfgsLogisticRegressionBinaryTrainer.Options { L1Regularization = 0, L2Regularization = (float)(Lambda * Rows) }).Fit(d)),
            ("ML.NET SdcaLogisticRegression", d => ml.BinaryClassification.Trainers.SdcaLogisticRegression(
                new SdcaLogisticRegressionBinaryTrainer.Options { L1Regularization = 0, L2Regularization = (float)Lambda }).Fit(d)),
        };

        int lbfgs = Array.FindIndex(contenders, c => c.Name == "ML.NET LbfgsLogisticRegression");
        int sdca = Array.FindIndex(contenders, c => c.Name == "ML.NET SdcaLogisticRegression");
        var times = Comparison.MedianMilliseconds(5, contenders.Select(c => (Action)(() => c.Fit(train))).ToArray());
        output.WriteLine();
        output.WriteLine($"### Logistic regression, {Rows:N0} × {Features} in memory (LoadFromEnumerable), λ = {Lambda:G2}, " +
                         "median of 5 interleaved fits; ours without statistics unless said, as ML.NET's defaults");
        output.WriteLine();
        output.WriteLine("| contender | fit ms | × ML.NET L-BFGS | objective | objective − best | holdout AUC |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        var objectives = new double[contenders.Length];
        var aucs = new double[contenders.Length];
        for (int i = 0; i < contenders.Length; i++)
        {
            var model = contenders[i].Fit(train);
            var (weights, bias) = LinearPart(model);
            objectives[i] = Objective(trainRows, weights, bias);
            aucs[i] = ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(holdout)).AreaUnderRocCurve;
        }
        double best = objectives.Min();
        for (int i = 0; i < contenders.Length; i++)
            output.WriteLine($"| {contenders[i].Name} | {Comparison.F(times[i], "F0")} | {Comparison.F(times[i] / times[lbfgs])} | " +
                             $"{objectives[i]:F10} | {objectives[i] - best:G3} | {Comparison.F(aucs[i], "F6")} |");
        output.WriteLine();
        output.WriteLine($"Time of ML.NET LbfgsLogisticRegression / BceLogisticRegression: Newton {Comparison.F(times[lbfgs] / times[1], "F1")}×, " +
                         $"Newton with statistics {Comparison.F(times[lbfgs] / times[0], "F1")}×, L-BFGS {Comparison.F(times[lbfgs] / times[3], "F1")}×; " +
                         $"SdcaLogisticRegression / Newton {Comparison.F(times[sdca] / times[1], "F1")}×.");
    }

    /// <summary>Without statistics unless asked: ML.NET's trainers compute none by default either.</summary>
    private static BceLogisticRegressionTrainer Ours(MLContext ml, LogisticOptimizer optimizer, int? threads, bool statistics = false)
        => ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            Optimizer = optimizer,
            L2Regularization = Lambda,
            NumberOfThreads = threads,
            ComputeStatistics = statistics,
        });

    private static (IReadOnlyList<float> Weights, float Bias) LinearPart(ITransformer model) => model switch
    {
        BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> calibrated
            => (calibrated.Model.SubModel.Weights, calibrated.Model.SubModel.Bias),
        ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> other
            => (other.Model.SubModel.Weights, other.Model.SubModel.Bias),
        _ => throw new InvalidOperationException($"Unexpected model type {model.GetType()}."),
    };

    /// <summary>(Σ BCE)/n + (λ/2)‖θ‖² in double on the training rows.</summary>
    private static double Objective(BinaryRow[] rows, IReadOnlyList<float> weights, float bias)
    {
        var w = weights.Select(v => (double)v).ToArray();
        double loss = 0;
        foreach (var row in rows)
        {
            double z = bias;
            for (int j = 0; j < w.Length; j++) z += w[j] * row.Features[j];
            loss += (z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z))) - (row.Label ? z : 0);
        }
        return loss / rows.Length + 0.5 * Lambda * w.Sum(v => v * v);
    }

    /// <summary>x ~ N(0, 1)^50, y ~ Bernoulli(σ(θᵀx + 0.3)) with θⱼ = 0.15·((j mod 7) − 3).</summary>
    private static (BinaryRow[] Rows, IDataView View) Generate(MLContext ml, int n, int seed)
    {
        var rng = new Random(seed);
        var rows = new BinaryRow[n];
        for (int i = 0; i < n; i++)
        {
            var x = new float[Features];
            double z = 0.3;
            for (int j = 0; j < Features; j++)
            {
                x[j] = (float)SyntheticData.Gaussian(rng);
                z += 0.15 * ((j % 7) - 3) * x[j];
            }
            rows[i] = new BinaryRow { Features = x, Label = rng.NextDouble() < 1 / (1 + Math.Exp(-z)) };
        }
        var schema = SchemaDefinition.Create(typeof(BinaryRow));
        schema[nameof(BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        return (rows, ml.Data.LoadFromEnumerable(rows, schema));
    }
}
