using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// Issue 13 §1 and §5: the MLP's quality through the public API, next to scikit-learn on the same rows.
/// (1) wine (standardised with the train split's statistics), <c>Mlp([32], Relu, 200 epochs, seed)</c> for seeds 0–4,
/// test accuracy; scikit-learn's <c>MLPClassifier</c> with the same settings and its own defaults otherwise.
/// (2) 10 classes, generated 100,000 × 50 (<see cref="MlpInitialisationExperiment.TenClassVoronoi"/>), ReLU, Adam 1e-3,
/// batch 200, 10 epochs, λ = 1e-4 (alpha = λ·batch), training accuracy, seed 0.
/// (3) regression with the simple overload's defaults (<c>Mlp()</c>: one layer of 32 ReLU, 200 epochs), test R², on
/// diabetes (raw labels 25–346, features standardised) and generated data with labels around 5–50 and 100–800.
/// </summary>
internal sealed class MlpQualityComparison : IComparisonSuite
{
    public string Name => "mlp-quality";

    private sealed record Job(string Name, string Table, DenseSet Train, DenseSet Test, string Model, object Params, Func<MLContext, double> Ours,
        Func<MLContext, double>? OursInPipeline = null);

    public void Run(TextWriter output)
    {
        var jobs = new List<Job>();
        var (wineRawTrain, wineRawTest) = (DenseSet.FromCsv("wine.train.csv"), DenseSet.FromCsv("wine.test.csv"));
        var (wineTrain, wineTest) = SklearnComparison.Standardised(wineRawTrain, wineRawTest);
        int wineSeeds = Environment.GetCommandLineArgs().FirstOrDefault(a => a.StartsWith("--wine-seeds=", StringComparison.Ordinal)) is { } a ? int.Parse(a[13..], CultureInfo.InvariantCulture) : 5;
        for (int seed = 0; seed < wineSeeds; seed++)
        {
            int s = seed;
            jobs.Add(new($"wine, seed {seed}", "wine", wineTrain, wineTest, "MLPClassifier",
                new { hidden = new[] { 32 }, epochs = 200, alpha = 1e-4 * wineTrain.N, seed, stall_test = true },
                ml => Accuracy(ml, ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [32], activation: MlpActivation.Relu,
                    numberOfEpochs: 200, seed: s), wineTrain, wineTest),
                ml => Accuracy(ml, ml.Transforms.NormalizeMeanVariance("Features").Append(ml.MulticlassClassification.Trainers.Mlp(
                    hiddenLayerSizes: [32], activation: MlpActivation.Relu, numberOfEpochs: 200, seed: s)), wineRawTrain, wineRawTest)));
        }
        if (!Environment.GetCommandLineArgs().Contains("--skip-ten"))
        {
            var ten = MlpInitialisationExperiment.TenClassVoronoi("ten-train", 100_000, seed: 11);
            foreach (var hidden in new[] { new[] { 64 }, new[] { 256 }, new[] { 256, 256 } })
            {
                var h = hidden;
                jobs.Add(new($"10 classes, [{string.Join(", ", hidden)}]", "ten", ten, ten, "MLPClassifier",
                    new { hidden, epochs = 10, alpha = 1e-4 * 200, batch_size = 200, seed = 0 },
                    ml => Accuracy(ml, ml.MulticlassClassification.Trainers.Mlp(new MlpOptions
                    {
                        HiddenLayerSizes = h,
                        BatchSize = 200,
                        NumberOfEpochs = 10,
                        L2Regularization = 1e-4,
                        LearningRate = 1e-3,
                        Seed = 0,
                    }), ten, ten)));
            }
        }
        var (diabetesTrain, diabetesTest) = SklearnComparison.Standardised(DenseSet.FromCsv("diabetes.train.csv"), DenseSet.FromCsv("diabetes.test.csv"));
        var regression = new (string Name, DenseSet Train, DenseSet Test)[]
        {
            ("diabetes (labels 25–346)", diabetesTrain, diabetesTest),
            ("generated, labels ≈ 5–50", GeneratedRegression("housing-train", 400, 22.5, 9.2, seed: 21), GeneratedRegression("housing-test", 1000, 22.5, 9.2, seed: 22)),
            ("generated, labels ≈ 100–800", GeneratedRegression("hundreds-train", 400, 450, 120, seed: 23), GeneratedRegression("hundreds-test", 1000, 450, 120, seed: 24)),
        };
        foreach (var (name, train, test) in regression)
            jobs.Add(new(name, "regression", train, test, "MLPRegressor",
                new { hidden = new[] { 32 }, epochs = 200, alpha = 1e-4 * Math.Min(200, train.N), seed = 0, stall_test = true },
                ml => RSquared(ml, ml.Regression.Trainers.Mlp(seed: 0), train, test)));

        string folder = Directory.CreateTempSubdirectory("mlnetext-mlp-quality-").FullName;
        try
        {
            var spec = new JsonArray();
            var written = new HashSet<string>();
            foreach (var job in jobs)
            {
                foreach (var set in new[] { job.Train, job.Test })
                    if (written.Add(set.Name)) set.WriteNpy(folder);
                spec.Add(new JsonObject
                {
                    ["name"] = job.Name,
                    ["model"] = job.Model,
                    ["params"] = JsonSerializer.SerializeToNode(job.Params),
                    ["train_x"] = job.Train.Name + ".x.npy",
                    ["train_y"] = job.Train.Name + ".y.npy",
                    ["test_x"] = job.Test.Name + ".x.npy",
                    ["test_y"] = job.Test.Name + ".y.npy",
                });
            }
            File.WriteAllText(Path.Combine(folder, "jobs.json"), spec.ToJsonString());
            var (environment, theirs) = SklearnComparison.RunScikitLearn(folder);
            output.WriteLine();
            output.WriteLine($"### MLP quality through the public API ({(theirs is null ? "scikit-learn skipped: " : "")}{environment})");
            foreach (var table in new[] { "wine", "ten", "regression" })
            {
                var rows = jobs.Where(j => j.Table == table).ToList();
                if (rows.Count == 0) continue;
                string metric = table switch { "wine" => "test accuracy", "ten" => "training accuracy", _ => "test R²" };
                output.WriteLine();
                bool pipeline = rows[0].OursInPipeline is not null;
                output.WriteLine($"| {table} | ours {metric} | ours epochs |{(pipeline ? " ours, raw features + NormalizeMeanVariance |" : "")} scikit-learn {metric} | scikit-learn epochs |");
                output.WriteLine(pipeline ? "|---|---:|---:|---:|---:|---:|" : "|---|---:|---:|---:|---:|");
                var sums = new double[3];
                foreach (var job in rows)
                {
                    var ml = new MLContext(seed: 0);
                    var epochs = new List<int>();
                    ml.Log += (_, e) => { if (e.RawMessage.StartsWith("Epoch ", StringComparison.Ordinal)) lock (epochs) epochs.Add(1); };
                    double ours = job.Ours(ml);
                    var them = theirs?.GetValueOrDefault(job.Name);
                    string key = table == "ten" ? "train_metric" : "metric";
                    double? inPipeline = job.OursInPipeline?.Invoke(new MLContext(seed: 0));
                    double? sk = them?[key]!.GetValue<double>();
                    sums[0] += ours; sums[1] += inPipeline ?? 0; sums[2] += sk ?? 0;
                    output.WriteLine($"| {job.Name} | {F(ours)} | {epochs.Count} |{(inPipeline is { } p ? $" {F(p)} |" : "")} {(sk is { } v ? F(v) : "")} | {them?["epochs"]} |");
                }
                if (table == "wine")
                    output.WriteLine($"| mean of {rows.Count} seeds | {F(sums[0] / rows.Count)} | | {F(sums[1] / rows.Count)} | {F(sums[2] / rows.Count)} | |");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Accuracy(MLContext ml, IEstimator<ITransformer> trainer, DenseSet train, DenseSet test)
    {
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
        var keyed = toKey.Fit(train.ToDataView(ml));
        var model = trainer.Fit(keyed.Transform(train.ToDataView(ml)));
        return ml.MulticlassClassification.Evaluate(model.Transform(keyed.Transform(test.ToDataView(ml)))).MicroAccuracy;
    }

    private static double RSquared(MLContext ml, IEstimator<ITransformer> trainer, DenseSet train, DenseSet test)
        => ml.Regression.Evaluate(trainer.Fit(train.ToDataView(ml)).Transform(test.ToDataView(ml))).RSquared;

    /// <summary>
    /// x ~ N(0, 1)¹⁰; y = mean + spread·(g(x) + 0.3·N(0, 1))/1.04 with g(x) = 0.6·x₀ − 0.4·x₁ + 0.5·x₂x₃ + 0.4·sin(2x₄) + 0.3·|x₅|
    /// − 0.24, a mostly smooth, partly non-linear target whose labels have about the given mean and spread.
    /// </summary>
    internal static DenseSet GeneratedRegression(string name, int n, double mean, double spread, int seed)
    {
        const int d = 10;
        var rng = new Random(seed);
        var x = new float[n * d];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) x[i * d + j] = (float)SyntheticData.Gaussian(rng);
            var r = x.AsSpan(i * d, d);
            double g = 0.6 * r[0] - 0.4 * r[1] + 0.5 * r[2] * r[3] + 0.4 * Math.Sin(2 * r[4]) + 0.3 * Math.Abs(r[5]) - 0.24;
            y[i] = (float)(mean + spread * (g + 0.3 * SyntheticData.Gaussian(rng)) / 1.04);
        }
        return new DenseSet(name, x, y, d);
    }

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
