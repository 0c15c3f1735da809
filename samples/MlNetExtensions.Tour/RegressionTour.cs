using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions;

namespace MlNetExtensions.Tour;

/// <summary>Closed-form linear regression next to ML.NET's Sdca, OnlineGradientDescent and FastTree on diabetes.</summary>
internal static class RegressionTour
{
    public static void Run(MLContext ml, string output)
    {
        Console.WriteLine();
        Console.WriteLine("## Regression: diabetes (353 train / 89 test rows, 10 features)");
        var train = SampleData.Load(ml, "diabetes.train.csv");
        var test = SampleData.Load(ml, "diabetes.test.csv");

        // The gradient-based built-ins need normalised features; the closed form does not, but the same pipeline keeps
        // the comparison fair.
        var normalize = ml.Transforms.NormalizeMeanVariance("Features");
        var candidates = new (string Name, IEstimator<ITransformer> Trainer)[]
        {
            ("ClosedFormLinearRegression", ml.Regression.Trainers.ClosedFormLinearRegression()),
            ("ClosedFormLinearRegression (λ = 1)", ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: 1)),
            ("Sdca", ml.Regression.Trainers.Sdca()),
            ("OnlineGradientDescent", ml.Regression.Trainers.OnlineGradientDescent()),
            ("FastTree", ml.Regression.Trainers.FastTree()),
        };
        var rows = new List<string[]>();
        foreach (var (name, trainer) in candidates)
        {
            var pipeline = normalize.Append(trainer);
            pipeline.Fit(train); // warm-up: JIT and caches, so the timing below is the fit itself
            var clock = Stopwatch.StartNew();
            var model = pipeline.Fit(train);
            double ms = clock.Elapsed.TotalMilliseconds;
            var m = ml.Regression.Evaluate(model.Transform(test));
            rows.Add([name, SampleData.F(m.RSquared), SampleData.F(m.RootMeanSquaredError, "F2"),
                SampleData.F(m.MeanAbsoluteError, "F2"), SampleData.F(ms, "F1")]);
        }
        Console.WriteLine(SampleData.Table(["trainer", "test R²", "RMSE", "MAE", "fit ms"], rows));

        // Coefficient table: the closed form on the raw features (the data set's own units).
        var ols = ml.Regression.Trainers.ClosedFormLinearRegression().Fit(train);
        Console.WriteLine("Ordinary least squares on the train split (features as shipped: centred, unit L2 norm):");
        Console.WriteLine(ols.Model.GetStatistics().ToTable(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]));

        // Save, reload in a fresh context, and check the predictions are the same to the bit.
        string path = Path.Combine(output, "diabetes-linear.zip");
        ml.Model.Save(ols, train.Schema, path);
        var reloaded = new MLContext().Model.Load(path, out _);
        var before = ols.Transform(test).GetColumn<float>("Score").ToArray();
        var after = reloaded.Transform(test).GetColumn<float>("Score").ToArray();
        bool identical = before.Zip(after).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
        Console.WriteLine($"Saved {path} ({new FileInfo(path).Length:N0} bytes) and reloaded it as {reloaded.GetType().Name}: " +
                          $"{after.Length} test predictions {(identical ? "bit-identical" : "DIFFERENT")}.");
    }
}
