using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// Closed-form ridge regression on text features: FeaturizeText over the 1,000 yelp reviews (about 12,000 slots, ~74
/// non-zeros a row), the 0/1 sentiment as a Single label, λ = 1, with the defaults (Auto: conjugate gradients, d &gt; 2,048),
/// next to ML.NET's Sdca regression on the same features. The optimum is checked from outside the trainer: the relative
/// gradient norm ‖Xᵀ(Xθ + b − y) + λθ‖ / ‖Xᵀ(y − ȳ)‖ and the bias condition Σ(Xθ + b − y) = 0, in double over the rows.
/// </summary>
internal sealed class RidgeTextComparison : IComparisonSuite
{
    private const double Lambda = 1;

    public string Name => "ridge-text";

    private sealed class Review
    {
        [LoadColumn(0)] public string Comment { get; set; } = "";
        [LoadColumn(1)] public float Label { get; set; }
    }

    public void Run(TextWriter output)
    {
        var ml = new MLContext(seed: 0);
        var reviews = ml.Data.LoadFromTextFile<Review>(Path.Combine(AppContext.BaseDirectory, "data", "yelp_labelled.tsv"), hasHeader: true,
            separatorChar: '\t', allowQuoting: false);
        var features = ml.Data.Cache(ml.Transforms.Text.FeaturizeText("Features", nameof(Review.Comment)).Fit(reviews).Transform(reviews));
        int d = ((VectorDataViewType)features.Schema["Features"].Type).Size;
        var rows = features.GetColumn<VBuffer<float>>("Features").Select(v => { VBuffer<float> copy = default; v.CopyTo(ref copy); return copy; }).ToArray();
        var labels = features.GetColumn<float>("Label").ToArray();
        double nonZeros = rows.Average(r => r.GetValues().Length);

        var ours = ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: Lambda);
        var sdca = ml.Regression.Trainers.Sdca();
        var times = Comparison.MedianMilliseconds(5, () => ours.Fit(features), () => sdca.Fit(features));
        var (allocated, peak, fitted) = WideLogisticComparison.Measure(() => ours.Fit(features));
        var model = ((RegressionPredictionTransformer<LinearRegressionModelParameters>)fitted).Model;
        var (gradient, biasResidual) = Optimality(rows, labels, model.Weights, model.Bias, d);
        double r2Ours = ml.Regression.Evaluate(fitted.Transform(features)).RSquared;
        double r2Sdca = ml.Regression.Evaluate(sdca.Fit(features).Transform(features)).RSquared;

        output.WriteLine();
        output.WriteLine($"### Closed-form ridge on text features (yelp, FeaturizeText: n = {rows.Length:N0}, d = {d:N0}, {nonZeros:F0} non-zeros a row, λ = {Lambda})");
        output.WriteLine();
        output.WriteLine("| trainer | fit ms | relative gradient norm at the fit | mean residual | training R² | allocated MiB | peak heap MiB |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| ClosedFormLinearRegression (Auto → conjugate gradients) | {times[0]:F0} | {gradient:G3} | {biasResidual:G3} | {r2Ours:F4} | {allocated / 1048576.0:F0} | {peak / 1048576.0:F0} |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| ML.NET Sdca (its defaults) | {times[1]:F0} | | | {r2Sdca:F4} | | |"));
        output.Flush();
    }

    /// <summary>‖Xᵀr + λθ‖ / ‖Xᵀ(y − ȳ)‖ with r = Xθ + b − y, and the mean residual, in double.</summary>
    private static (double RelativeGradient, double MeanResidual) Optimality(VBuffer<float>[] rows, float[] labels, IReadOnlyList<float> weights, float bias, int d)
    {
        var gradient = new double[d];
        var reference = new double[d];
        double mean = labels.Average(v => (double)v), residualSum = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            var values = rows[i].GetValues();
            var indices = rows[i].GetIndices();
            bool dense = rows[i].IsDense;
            double z = bias;
            for (int k = 0; k < values.Length; k++) z += values[k] * (double)weights[dense ? k : indices[k]];
            double r = z - labels[i];
            residualSum += r;
            for (int k = 0; k < values.Length; k++)
            {
                int j = dense ? k : indices[k];
                gradient[j] += r * values[k];
                reference[j] += (labels[i] - mean) * values[k];
            }
        }
        for (int j = 0; j < d; j++) gradient[j] += Lambda * weights[j];
        static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
        return (Norm(gradient) / Norm(reference), residualSum / rows.Length);
    }
}
