using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions;

namespace MlNetExtensions.Tour;

/// <summary>
/// BceLogisticRegression (each optimizer) next to ML.NET's LbfgsLogisticRegression, SdcaLogisticRegression and FastTree
/// on breast_cancer, standardised; the coefficient table with p-values; gradient descent's loss per iteration.
/// </summary>
internal static class BinaryTour
{
    private const double Lambda = 1e-2;

    private static readonly string[] FeatureNames =
    [
        "mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness", "mean compactness",
        "mean concavity", "mean concave points", "mean symmetry", "mean fractal dim.",
        "radius error", "texture error", "perimeter error", "area error", "smoothness error", "compactness error",
        "concavity error", "concave points error", "symmetry error", "fractal dim. error",
        "worst radius", "worst texture", "worst perimeter", "worst area", "worst smoothness", "worst compactness",
        "worst concavity", "worst concave points", "worst symmetry", "worst fractal dim.",
    ];

    public static void Run(MLContext ml, string output)
    {
        Console.WriteLine();
        Console.WriteLine("## Binary classification: breast_cancer (455 train / 114 test rows, 30 features, standardised)");
        var train = SampleData.Load(ml, "breast_cancer.train.csv");
        var test = SampleData.Load(ml, "breast_cancer.test.csv");

        // ML.NET's binary trainers want a Boolean label (BceLogisticRegression also takes Single 0/1); the features are
        // standardised with the train split's mean and variance (fixZero: false centres them; the default only scales).
        var prepare = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean)
            .Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false));

        // The standardised train split is linearly separable: without L2 (the default is λ = 1e-4) there is no finite
        // optimum. The trainer says so.
        var warnings = new List<string>();
        void Listen(object? sender, LoggingEventArgs e)
        {
            if (e.Kind == ChannelMessageKind.Warning && e.Source.Contains(nameof(BceLogisticRegressionTrainer)))
                warnings.Add(e.Message[(e.Message.IndexOf("] ", StringComparison.Ordinal) + 2)..]);
        }
        ml.Log += Listen;
        var unpenalised = prepare.Append(ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0)).Fit(train);
        ml.Log -= Listen;
        Console.WriteLine($"Without L2, BceLogisticRegression stopped after {unpenalised.LastTransformer.Model.SubModel.GetTrainingReport().Iterations} " +
                          $"Newton steps and logged: \"{warnings.FirstOrDefault() ?? "(no warning)"}\"");
        Console.WriteLine($"So the comparison below uses a small penalty, λ = {Lambda} (ML.NET's trainers keep their defaults).");
        Console.WriteLine();

        var candidates = new (string Name, IEstimator<ITransformer> Trainer)[]
        {
            ("BceLogisticRegression, Newton", Bce(ml, LogisticOptimizer.Newton)),
            ("BceLogisticRegression, L-BFGS", Bce(ml, LogisticOptimizer.Lbfgs)),
            ("BceLogisticRegression, gradient descent", Bce(ml, LogisticOptimizer.GradientDescent)),
            ("LbfgsLogisticRegression", ml.BinaryClassification.Trainers.LbfgsLogisticRegression()),
            ("SdcaLogisticRegression", ml.BinaryClassification.Trainers.SdcaLogisticRegression()),
            ("FastTree", ml.BinaryClassification.Trainers.FastTree()),
        };
        var rows = new List<string[]>();
        foreach (var (name, trainer) in candidates)
        {
            var pipeline = prepare.Append(trainer);
            pipeline.Fit(train); // warm-up: JIT and caches, so the timing below is the fit itself
            var clock = Stopwatch.StartNew();
            var model = pipeline.Fit(train);
            double ms = clock.Elapsed.TotalMilliseconds;
            var m = ml.BinaryClassification.Evaluate(model.Transform(test));
            rows.Add([name, SampleData.F(m.Accuracy), SampleData.F(m.AreaUnderRocCurve), SampleData.F(m.LogLoss),
                SampleData.F(m.F1Score), SampleData.F(ms, "F1")]);
        }
        Console.WriteLine(SampleData.Table(["trainer", "accuracy", "AUC", "log-loss", "F1", "fit ms"], rows));

        var newton = prepare.Append(Bce(ml, LogisticOptimizer.Newton)).Fit(train);
        Console.WriteLine($"Coefficients of BceLogisticRegression (Newton, λ = {Lambda}) on the standardised train split " +
                          "(standard errors from the inverse penalised Hessian):");
        Console.WriteLine(newton.LastTransformer.Model.SubModel.GetStatistics().ToTable(FeatureNames));

        var descent = prepare.Append(Bce(ml, LogisticOptimizer.GradientDescent)).Fit(train).LastTransformer.Model.SubModel.GetTrainingReport();
        var history = descent.ObjectiveHistory;
        Console.WriteLine($"Gradient descent (step 1/L), objective per iteration: {descent.Iterations} iterations to gradient norm " +
                          $"{descent.GradientNorm:G3} ({(descent.Converged ? "converged" : "not converged")}):");
        foreach (int t in new[] { 0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000 }.Where(t => t < history.Count).Append(history.Count - 1).Distinct())
            Console.WriteLine($"  iteration {t,5}: {history[t]:F8}");
        double optimum = newton.LastTransformer.Model.SubModel.GetTrainingReport().Objective;
        Console.WriteLine("Plot: " + Plots.Curves(Path.Combine(output, "breast-cancer-gradient-descent.png"),
            "Logistic regression by gradient descent: distance to the optimum", "iteration", "objective − optimum (Newton)",
            [("gradient descent, step 1/L", history.Select(v => v - optimum).ToArray())], logY: true));

        string path = Path.Combine(output, "breast-cancer-logistic.zip");
        ml.Model.Save(newton, train.Schema, path);
        var reloaded = new MLContext().Model.Load(path, out _);
        var before = newton.Transform(test).GetColumn<float>("Probability").ToArray();
        var after = reloaded.Transform(test).GetColumn<float>("Probability").ToArray();
        bool identical = before.Zip(after).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
        Console.WriteLine($"Saved {path} and reloaded it: {after.Length} test probabilities {(identical ? "bit-identical" : "DIFFERENT")}.");
    }

    private static BceLogisticRegressionTrainer Bce(MLContext ml, LogisticOptimizer optimizer)
        => ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            Optimizer = optimizer,
            L2Regularization = Lambda,
            MaximumNumberOfIterations = 100_000,
        });
}
