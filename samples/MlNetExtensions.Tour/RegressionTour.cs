using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions;

namespace MlNetExtensions.Tour;

/// <summary>Closed-form linear regression next to ML.NET's built-ins on diabetes.</summary>
internal static class RegressionTour
{
    public static void Run(MLContext ml, string output)
    {
        Console.WriteLine();
        Console.WriteLine("## Regression: diabetes (353 train / 89 test rows, 10 features)");
        var train = SampleData.Load(ml, "diabetes.train.csv");
        var test = SampleData.Load(ml, "diabetes.test.csv");

        var candidates = TrainerSuggestions.Regression(ml).ToList();
        candidates.Insert(1, new TrainerCandidate("ClosedFormLinearRegression (λ = 1)",
            ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: 1)));
        candidates.Add(new TrainerCandidate("FastTree", ml.Regression.Trainers.FastTree()));
        candidates.Add(new TrainerCandidate("LightGbm", ml.Regression.Trainers.LightGbm()));
        var report = ml.Regression.CompareTrainers(train, test, candidates, progress: new ConsoleProgressBar());
        Console.WriteLine(report.ToMarkdown());

        // Coefficient table: the closed form on the features as shipped.
        var ols = ml.Regression.Trainers.ClosedFormLinearRegression().Fit(train);
        Console.WriteLine("Ordinary least squares on the train split (features as shipped: centred, unit L2 norm):");
        Console.WriteLine(ols.Model.GetStatistics().ToTable(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]));

        // The same statistics for a model ML.NET trained: Sdca has no standard errors of its own.
        var sdcaPipeline = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Regression.Trainers.Sdca()).Fit(train);
        var sdcaStats = ml.Regression.ComputeLinearStatistics(sdcaPipeline.LastTransformer, sdcaPipeline.Transform(train));
        Console.WriteLine($"ComputeLinearStatistics on ML.NET's Sdca model (normalised features): train R² = {sdcaStats.RSquared:F4}, " +
                          $"residual standard error = {sdcaStats.ResidualStandardError:F3} (OLS: {ols.Model.GetStatistics().ResidualStandardError:F3}).");

        // Save, reload in a fresh context, and check the predictions are the same to the bit.
        string path = Path.Combine(output, "diabetes-linear.zip");
        ml.Model.Save(ols, train.Schema, path);
        var reloaded = new MLContext().Model.Load(path, out _);
        var before = ols.Transform(test).GetColumn<float>("Score").ToArray();
        var after = reloaded.Transform(test).GetColumn<float>("Score").ToArray();
        bool identical = before.Zip(after).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
        Console.WriteLine($"Saved {path} ({new FileInfo(path).Length:N0} bytes), reloaded it in a fresh MLContext as {reloaded.GetType().Name}: " +
                          $"{after.Length} test predictions {(identical ? "bit-identical" : "DIFFERENT")}.");

        var fastTree = ml.Regression.Trainers.FastTree().Fit(train);
        var actual = test.GetColumn<float>("Label").ToArray();
        string plot = Plots.PredictedVsActual(Path.Combine(output, "diabetes-predicted-vs-actual.png"),
            "Diabetes test split: predicted vs actual", [("ClosedFormLinearRegression", before),
                ("FastTree", fastTree.Transform(test).GetColumn<float>("Score").ToArray())], actual);
        Console.WriteLine($"Plot: {plot}");
    }
}
