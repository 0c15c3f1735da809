using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Heads;
using MlNetExtensions.NeuralNetwork.Training;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// Issue 13 §5: which part of the MLP explains the gap to scikit-learn? Each case is trained four ways: ours from
/// scikit-learn's initial weights (its RandomState, written to .npy), scikit-learn from its own, scikit-learn from ours,
/// and ours from variants of our initialisation drawn from one Random(seed) (weight bound He √(6/fan_in) or Glorot
/// √(6/(fan_in + fan_out)); biases zero or uniform in the same bound; output biases zero or the log class frequencies).
/// Training itself (batches, shuffling, Adam) stays each side's own, so a column that moves with the initial weights
/// isolates them. The first variant is the initialisation the MLP had before issue 13.
/// </summary>
internal sealed class MlpInitialisationExperiment : IComparisonSuite
{
    public string Name => "mlp-init";

    private sealed record Case(string Id, string Title, DenseSet Train, DenseSet Test, int[] Hidden, int Epochs, int Seed, int Classes, bool TrainMetric);

    /// <summary>An initial weight rule: per layer, weights uniform in ±bound then (optionally) biases uniform in ±bound.</summary>
    private sealed record InitRule(string Name, bool HeForHidden, bool UniformBiases, bool LogFrequencyOutputBias = false);

    private static readonly InitRule[] Variants =
    [
        new("ours: He weights, zero biases (before)", true, false),
        new("ours: Glorot weights, zero biases", false, false),
        new("ours: He weights, uniform biases", true, true),
        new("ours: Glorot weights, uniform biases", false, true),
        new("ours: Glorot weights, zero hidden biases, output biases log class frequencies", false, false, true),
        new("ours: Glorot weights, uniform hidden biases, output biases log class frequencies", false, true, true),
    ];

    public void Run(TextWriter output)
    {
        var (wineTrain, wineTest) = SklearnComparison.Standardised(DenseSet.FromCsv("wine.train.csv"), DenseSet.FromCsv("wine.test.csv"));
        var cases = new List<Case>();
        int wineSeeds = Environment.GetCommandLineArgs().FirstOrDefault(a => a.StartsWith("--wine-seeds=", StringComparison.Ordinal)) is { } a ? int.Parse(a[13..], CultureInfo.InvariantCulture) : 5;
        for (int seed = 0; seed < wineSeeds; seed++)
            cases.Add(new($"wine{seed}", $"wine, seed {seed}", wineTrain, wineTest, [32], 200, seed, 3, false));
        if (!Environment.GetCommandLineArgs().Contains("--wine-only"))
        {
            var tenTrain = TenClassVoronoi("ten-train", 100_000, seed: 11);
            foreach (var hidden in new[] { new[] { 64 }, new[] { 256 }, new[] { 256, 256 } })
                cases.Add(new($"ten{string.Join("x", hidden)}", $"10 classes, [{string.Join(", ", hidden)}]", tenTrain, tenTrain, hidden, 10, 0, 10, true));
        }

        string folder = Directory.CreateTempSubdirectory("mlnetext-mlp-init-").FullName;
        try
        {
            var spec = new JsonArray();
            var written = new HashSet<string>();
            foreach (var c in cases)
            {
                foreach (var set in new[] { c.Train, c.Test })
                    if (written.Add(set.Name)) set.WriteNpy(folder);
                var ours = Initial(c, Variants[0]);
                WriteLayers(folder, $"ours-{c.Id}", ours, c);
                foreach (var (name, from, save) in new[] { ("sklearn", (string?)null, (string?)$"sk-{c.Id}"), ("sklearn from ours", $"ours-{c.Id}", null) })
                    spec.Add(new JsonObject
                    {
                        ["name"] = $"{c.Id} {name}",
                        ["model"] = "MLPClassifier",
                        ["params"] = JsonSerializer.SerializeToNode(new
                        {
                            hidden = c.Hidden,
                            activation = "relu",
                            learning_rate = 1e-3,
                            batch_size = 200,
                            epochs = c.Epochs,
                            alpha = 1e-4 * Math.Min(200, c.Train.N),
                            seed = c.Seed,
                            init_from = from,
                            save_init = save,
                        }),
                        ["train_x"] = c.Train.Name + ".x.npy",
                        ["train_y"] = c.Train.Name + ".y.npy",
                        ["test_x"] = c.Test.Name + ".x.npy",
                        ["test_y"] = c.Test.Name + ".y.npy",
                    });
            }
            File.WriteAllText(Path.Combine(folder, "jobs.json"), spec.ToJsonString());
            var (environment, theirs) = SklearnComparison.RunScikitLearn(folder);
            if (theirs is null)
            {
                output.WriteLine($"scikit-learn side skipped: {environment}");
                return;
            }

            output.WriteLine();
            output.WriteLine($"### What explains the MLP gap: initial weights swapped between the two implementations ({environment})");
            output.WriteLine();
            output.WriteLine("Metric: test accuracy (wine) or training accuracy (10 classes); ReLU, Adam η = 1e-3, batch min(200, n), λ = 1e-4 (alpha = λ·batch).");
            output.WriteLine();
            var header = new List<string> { "case", "ours from sklearn's init", "sklearn", "sklearn from our init" };
            header.AddRange(Variants.Select(v => v.Name));
            output.WriteLine("| " + string.Join(" | ", header) + " |");
            output.WriteLine("|" + string.Concat(header.Select(_ => "---|")));
            var sums = new double[header.Count - 1];
            foreach (var c in cases)
            {
                var row = new List<string> { c.Title };
                row.Add(F(TrainOurs(c, ReadLayers(folder, $"sk-{c.Id}", c))));
                row.Add(F(Metric(theirs[$"{c.Id} sklearn"], c)));
                row.Add(F(Metric(theirs[$"{c.Id} sklearn from ours"], c)));
                foreach (var v in Variants) row.Add(F(TrainOurs(c, Initial(c, v))));
                output.WriteLine("| " + string.Join(" | ", row) + " |");
                if (c.Id.StartsWith("wine", StringComparison.Ordinal))
                    for (int i = 1; i < row.Count; i++) sums[i - 1] += double.Parse(row[i], CultureInfo.InvariantCulture);
            }
            int wines = cases.Count(c => c.Id.StartsWith("wine", StringComparison.Ordinal));
            output.WriteLine("| wine, mean over seeds | " + string.Join(" | ", sums.Select(v => F(v / wines))) + " |");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Metric(JsonNode result, Case c) => result[c.TrainMetric ? "train_metric" : "metric"]!.GetValue<double>();

    private static int[] Sizes(Case c) => [c.Train.D, .. c.Hidden, c.Classes];

    /// <summary>Initial parameters by <paramref name="rule"/>, drawn from Random(seed) in the order the learner draws them.</summary>
    private static float[] Initial(Case c, InitRule rule)
    {
        var network = new MlpNetwork(Sizes(c), MlpActivation.Relu, 0.01f);
        var random = new Random(c.Seed);
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            bool he = rule.HeForHidden && l < network.Layers.Length - 1;
            double bound = he ? Math.Sqrt(6.0 / layer.Inputs) : Math.Sqrt(6.0 / (layer.Inputs + layer.Outputs));
            var p = network.Parameters.AsSpan(layer.Offset, layer.ParameterCount);
            for (int i = 0; i < layer.WeightCount; i++) p[i] = (float)((2 * random.NextDouble() - 1) * bound);
            if (rule.UniformBiases)
                for (int i = layer.WeightCount; i < p.Length; i++) p[i] = (float)((2 * random.NextDouble() - 1) * bound);
            if (rule.LogFrequencyOutputBias && l == network.Layers.Length - 1)
                for (int k = 0; k < c.Classes; k++)
                    p[layer.WeightCount + k] = (float)Math.Log(Math.Max(c.Train.Y.Count(v => v == k), 1) / (double)c.Train.N);
        }
        return network.Parameters;
    }

    private static double TrainOurs(Case c, float[] initial)
    {
        var ml = new MLContext(seed: 0);
        var env = (IHostEnvironment)ml;
        using var channel = env.Start("mlp-init");
        var data = new TrainingSet(new DenseRows(c.Train.X, c.Train.N, c.Train.D), c.Train.Y, Enumerable.Repeat(1f, c.Train.N).ToArray(),
            new ReadSummary(c.Train.N, c.Train.N, 0, c.Train.N));
        var options = new MlpOptions { HiddenLayerSizes = c.Hidden, NumberOfEpochs = c.Epochs, Seed = c.Seed, StopOnTrainingLossPlateau = false };
        // A model holding the initial weights and a fresh state: training "continues" from epoch 0 with new moments.
        var network = new MlpNetwork(Sizes(c), MlpActivation.Relu, 0.01f, (float[])initial.Clone());
        var fresh = new MlpTrainingState(c.Seed, 0, 0, MlpOptimizer.Adam, 0, null, null, options.LearningRate, 0, double.PositiveInfinity, 0, 1, null);
        var start = new MlpModelParameters(MlpTask.MulticlassClassification, network, [], null, 0, null, state: fresh);
        var result = MlpLearner.Train(env, channel, data, MlpTaskHead.For(MlpTask.MulticlassClassification), c.Classes, options, c.Seed,
            MemoryBudget.Default, start);
        var set = c.TrainMetric ? c.Train : c.Test;
        var workspace = new MlpWorkspace(result.Network, 1);
        int correct = 0;
        for (int i = 0; i < set.N; i++)
        {
            var logits = result.Network.Forward(set.X.AsSpan(i * set.D, set.D), 1, workspace);
            int best = 0;
            for (int k = 1; k < logits.Length; k++) if (logits[k] > logits[best]) best = k;
            if (best == (int)set.Y[i]) correct++;
        }
        return correct / (double)set.N;
    }

    private static void WriteLayers(string folder, string prefix, float[] parameters, Case c)
    {
        var network = new MlpNetwork(Sizes(c), MlpActivation.Relu, 0.01f, parameters);
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            DenseSet.WriteNpy(Path.Combine(folder, $"{prefix}.W{l}.npy"), parameters.AsSpan(layer.Offset, layer.WeightCount).ToArray(),
                $"({layer.Inputs}, {layer.Outputs})");
            DenseSet.WriteNpy(Path.Combine(folder, $"{prefix}.b{l}.npy"), parameters.AsSpan(layer.Offset + layer.WeightCount, layer.Outputs).ToArray(),
                $"({layer.Outputs},)");
        }
    }

    private static float[] ReadLayers(string folder, string prefix, Case c)
    {
        var network = new MlpNetwork(Sizes(c), MlpActivation.Relu, 0.01f);
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            DenseSet.ReadNpy(Path.Combine(folder, $"{prefix}.W{l}.npy")).CopyTo(network.Parameters, layer.Offset);
            DenseSet.ReadNpy(Path.Combine(folder, $"{prefix}.b{l}.npy")).CopyTo(network.Parameters, layer.Offset + layer.WeightCount);
        }
        return network.Parameters;
    }

    /// <summary>
    /// x ~ N(0, I₅₀); 200 centres drawn the same way, each given one of 10 classes uniformly; the label is the class of
    /// the nearest centre. Many Voronoi cells per class: a task where wider networks fit more of the training set.
    /// </summary>
    internal static DenseSet TenClassVoronoi(string name, int n, int seed)
    {
        const int d = 50, centres = 200, classes = 10;
        var rng = new Random(seed);
        var centre = new double[centres * d];
        for (int i = 0; i < centre.Length; i++) centre[i] = SyntheticData.Gaussian(rng);
        var centreClass = Enumerable.Range(0, centres).Select(_ => rng.Next(classes)).ToArray();
        var x = new float[n * d];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) x[i * d + j] = (float)SyntheticData.Gaussian(rng);
            int nearest = 0;
            double best = double.PositiveInfinity;
            for (int c = 0; c < centres; c++)
            {
                double s = 0;
                for (int j = 0; j < d; j++)
                {
                    double diff = x[i * d + j] - centre[c * d + j];
                    s += diff * diff;
                }
                if (s < best) (best, nearest) = (s, c);
            }
            y[i] = centreClass[nearest];
        }
        return new DenseSet(name, x, y, d);
    }

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
