using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions;

namespace MlNetExtensions.Tour;

/// <summary>
/// The multi-layer perceptron: XOR (a linear model cannot separate it, one hidden layer of 4 tanh units can), then
/// the MLP next to ML.NET's LbfgsMaximumEntropy and SdcaMaximumEntropy on iris, and a save / reload round trip.
/// </summary>
internal static class MlpTour
{
    public static void Run(MLContext ml, string output)
    {
        Xor(ml);
        NoisyXor(ml, output);
        Iris(ml, output);
    }

    private static void Xor(MLContext ml)
    {
        Console.WriteLine();
        Console.WriteLine("## MLP: XOR (data/xor4.csv, the four corners of the unit square)");
        var raw = SampleData.Load(ml, "xor4.csv");
        var xor = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean).Fit(raw).Transform(raw);
        var options = new MlpOptions { NumberOfEpochs = 2000, LearningRate = 0.05, Seed = 0 };

        // hiddenLayerSizes: [] is logistic regression trained by the same machinery.
        options.HiddenLayerSizes = [];
        var logistic = ml.BinaryClassification.Trainers.Mlp(options).Fit(xor).Transform(xor);
        options.HiddenLayerSizes = [4];
        options.Activation = MlpActivation.Tanh;
        var mlp = ml.BinaryClassification.Trainers.Mlp(options).Fit(xor).Transform(xor);

        var features = xor.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        var labels = xor.GetColumn<bool>("Label").ToArray();
        var p1 = logistic.GetColumn<float>("Probability").ToArray();
        var p2 = mlp.GetColumn<float>("Probability").ToArray();
        var rows = features.Select((f, i) => new[]
        {
            $"({f[0]}, {f[1]})", labels[i] ? "1" : "0", SampleData.F(p1[i], "F3"), SampleData.F(p2[i], "F3"),
        });
        Console.WriteLine(SampleData.Table(["x", "XOR", "P(1) logistic (no hidden layer)", "P(1) MLP (4 tanh units)"], rows));
        int logisticCorrect = p1.Zip(labels).Count(p => p.First > 0.5 == p.Second);
        int mlpCorrect = p2.Zip(labels).Count(p => p.First > 0.5 == p.Second);
        Console.WriteLine($"Logistic regression classifies {logisticCorrect} of 4 points correctly (a line cannot do better than 3); the MLP {mlpCorrect} of 4.");
    }

    /// <summary>XOR with noise: the decision boundaries of logistic regression and an MLP, and the MLP's loss curves.</summary>
    private static void NoisyXor(MLContext ml, string output)
    {
        Console.WriteLine();
        Console.WriteLine("## MLP: noisy XOR (data/xor_noisy: 320 train / 80 test points)");
        var toBool = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean);
        var rawTrain = SampleData.Load(ml, "xor_noisy.train.csv");
        var train = toBool.Fit(rawTrain).Transform(rawTrain);
        var rawTest = SampleData.Load(ml, "xor_noisy.test.csv");
        var test = toBool.Fit(rawTest).Transform(rawTest);

        var logistic = ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 1e-3).Fit(train);
        var mlp = ml.BinaryClassification.Trainers.Mlp(new MlpOptions
        {
            HiddenLayerSizes = [8],
            Activation = MlpActivation.Tanh,
            LearningRate = 0.02,
            BatchSize = 32,
            NumberOfEpochs = 400,
            Seed = 0,
            EarlyStopping = true,
            ValidationFraction = 0.2,
            Patience = 40,
        }).Fit(train);
        double logisticAccuracy = ml.BinaryClassification.Evaluate(logistic.Transform(test)).Accuracy;
        double mlpAccuracy = ml.BinaryClassification.Evaluate(mlp.Transform(test)).Accuracy;
        Console.WriteLine($"Test accuracy: BceLogisticRegression {logisticAccuracy:F3}, Mlp (8 tanh units, early stopping) {mlpAccuracy:F3}.");

        float[] Probabilities(ITransformer model, float[][] points)
        {
            var view = ml.Data.LoadFromEnumerable(points.Select(p => new Point { Features = p }));
            return model.Transform(view).GetColumn<float>("Probability").ToArray();
        }
        var features = train.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        var labels = train.GetColumn<bool>("Label").ToArray();
        Console.WriteLine("Plot: " + Plots.DecisionBoundaries(Path.Combine(output, "xor-decision-boundaries.png"), "noisy XOR",
            [($"BceLogisticRegression (test accuracy {logisticAccuracy:F2})", points => Probabilities(logistic, points)),
             ($"Mlp, 8 tanh units (test accuracy {mlpAccuracy:F2})", points => Probabilities(mlp, points))],
            features, labels, -0.5, 1.5));

        var model = mlp.Model;
        Console.WriteLine($"Early stopping kept epoch {model.BestEpoch} of {model.TrainingLoss.Count} run.");
        Console.WriteLine("Plot: " + Plots.Curves(Path.Combine(output, "xor-mlp-loss-curves.png"), "Mlp on noisy XOR: loss per epoch",
            "epoch", "loss", [("training", model.TrainingLoss.ToArray()), ("validation (held out 20%)", model.ValidationLoss!.ToArray())]));
    }

    private sealed class Point
    {
        [VectorType(2)] public float[] Features { get; set; } = [];
    }

    private static void Iris(MLContext ml, string output)
    {
        Console.WriteLine();
        Console.WriteLine("## MLP: iris (120 train / 30 test rows, 4 features, 3 classes)");
        var train = SampleData.Load(ml, "iris.train.csv");
        var test = SampleData.Load(ml, "iris.test.csv");
        var prepare = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features"));
        var mlpTrainer = ml.MulticlassClassification.Trainers.Mlp(new MlpOptions
        {
            HiddenLayerSizes = [16],
            Activation = MlpActivation.Tanh,
            LearningRate = 0.01,
            BatchSize = 16,
            NumberOfEpochs = 200,
            Seed = 0,
        });
        var candidates = new (string Name, IEstimator<ITransformer> Trainer)[]
        {
            ("Mlp (16 tanh units)", mlpTrainer),
            ("Mlp (no hidden layer: softmax regression)", ml.MulticlassClassification.Trainers.Mlp(new MlpOptions
                { HiddenLayerSizes = [], LearningRate = 0.01, BatchSize = 16, NumberOfEpochs = 200, Seed = 0 })),
            ("LbfgsMaximumEntropy", ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy()),
            ("SdcaMaximumEntropy", ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()),
        };
        var rows = new List<string[]>();
        ITransformer? mlpModel = null;
        foreach (var (name, trainer) in candidates)
        {
            var pipeline = prepare.Append(trainer);
            pipeline.Fit(train); // warm-up: JIT and caches, so the timing below is the fit itself
            var clock = Stopwatch.StartNew();
            var model = pipeline.Fit(train);
            double ms = clock.Elapsed.TotalMilliseconds;
            mlpModel ??= model;
            var m = ml.MulticlassClassification.Evaluate(model.Transform(test));
            rows.Add([name, SampleData.F(m.MicroAccuracy), SampleData.F(m.MacroAccuracy), SampleData.F(m.LogLoss), SampleData.F(ms, "F1")]);
        }
        Console.WriteLine(SampleData.Table(["trainer", "test accuracy (micro)", "macro", "log-loss", "fit ms"], rows));

        // Save: the zip holds ML.NET's own managed transformers only (per hidden layer a linear scorer and an Expression
        // transform, then a MaximumEntropy output layer), so plain Model.Load reads it without MlNetExtensions; beside them
        // an entry of ours (sizes, loss curve, options) lets LoadWithExtensions give the MlpPredictionTransformer back.
        string path = Path.Combine(output, "iris-mlp.zip");
        ml.Model.Save(mlpModel!, train.Schema, path);
        var plain = new MLContext().Model.Load(path, out _);
        var full = new MLContext().Model.LoadWithExtensions(path, out _);
        var before = mlpModel!.Transform(test);
        var s1 = before.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
        var labels = before.GetColumn<uint>("PredictedLabel").ToArray();
        foreach (var (how, reloaded) in new[] { ("plain Model.Load", plain), ("LoadWithExtensions", full) })
        {
            var after = reloaded.Transform(test);
            var s2 = after.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray();
            double maxRelative = s1.Zip(s2).Max(p => Math.Abs(p.First - p.Second) / Math.Max(1e-12, Math.Abs(p.First)));
            bool sameLabels = labels.SequenceEqual(after.GetColumn<uint>("PredictedLabel"));
            string last = ((IEnumerable<ITransformer>)reloaded).Last().GetType().Name;
            Console.WriteLine($"Saved {path} ({new FileInfo(path).Length:N0} bytes); {how} gives a chain ending in {last}: " +
                              $"largest relative score difference {maxRelative:E1}, predicted labels {(sameLabels ? "identical" : "DIFFERENT")}.");
        }
    }
}
