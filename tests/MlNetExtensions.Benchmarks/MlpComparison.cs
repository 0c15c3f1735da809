using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// MLP 100,000 × 50 → 64 → 1 (ReLU), Adam, batch 200, 10 epochs, on in-memory data: fit time
/// (reading the IDataView included), holdout accuracy, batch scoring rows/s, single-row PredictionEngine latency; the
/// model saved and reloaded with plain <c>Model.Load</c> (ML.NET's managed chain) and ML.NET's LbfgsLogisticRegression
/// alongside for scale.
/// </summary>
internal sealed class MlpComparison : IComparisonSuite
{
    public string Name => "mlp";

    private const int N = 100_000, D = 50, Hidden = 64, Epochs = 10, Batch = 200;

    public void Run(TextWriter output)
    {
        var ml = new MLContext(seed: 0);
        var train = Classification(ml, N, seed: 1);
        var holdout = Classification(ml, 20_000, seed: 2);
        var options = new MlpOptions
        {
            HiddenLayerSizes = [Hidden],
            Activation = MlpActivation.Relu,
            Optimizer = MlpOptimizer.Adam,
            LearningRate = 1e-3,
            BatchSize = Batch,
            NumberOfEpochs = Epochs,
            L2Regularization = 1e-4,
            Shuffle = true,
            Seed = 0,
        };
        // For the scikit-learn side of the comparison: the same rows as CSV (f0..f49, Label), when asked for.
        if (Environment.GetEnvironmentVariable("MLP_BENCHMARK_CSV_DIR") is { Length: > 0 } csvDir)
        {
            Directory.CreateDirectory(csvDir);
            WriteCsv(train, Path.Combine(csvDir, "mlp_bench.train.csv"));
            WriteCsv(holdout, Path.Combine(csvDir, "mlp_bench.test.csv"));
            output.WriteLine($"Wrote the benchmark data to {csvDir}.");
        }
        var mlp = ml.BinaryClassification.Trainers.Mlp(options);
        // ML.NET's binary trainers want a Boolean label; the MLP reads the Single 0/1 label as it is.
        var lbfgs = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean)
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression());

        options.NumberOfThreads = 1;
        var mlpOneThread = ml.BinaryClassification.Trainers.Mlp(options);
        var times = Comparison.MedianMilliseconds(3, () => SyntheticData.BarePass(train), () => mlp.Fit(train), () => mlpOneThread.Fit(train));
        double lbfgsMs = Comparison.MedianMilliseconds(1, () => lbfgs.Fit(train))[0];
        var phases = new List<string>();
        void Record(object? _, LoggingEventArgs e)
        {
            if (e.Source.Contains(nameof(MlpTrainer), StringComparison.Ordinal) && e.RawMessage.StartsWith("Read ", StringComparison.Ordinal)) phases.Add(e.RawMessage);
        }
        ml.Log += Record;
        var model = mlp.Fit(train);
        ml.Log -= Record;
        var lbfgsModel = lbfgs.Fit(train);
        double accuracy = ml.BinaryClassification.Evaluate(model.Transform(holdout)).Accuracy;
        double lbfgsAccuracy = ml.BinaryClassification.Evaluate(lbfgsModel.Transform(holdout)).Accuracy;
        var lossCurve = string.Join(", ", model.Model.TrainingLoss.Select(l => Comparison.F(l, "F4")));

        double scoringMs = Comparison.MedianMilliseconds(3, () => ScorePass(model.Transform(train)))[0];
        double latencyUs = SingleRowMicroseconds(ml, model);

        // The saved model through plain Model.Load: ML.NET's own transformers for the hidden layers and the output layer.
        string folder = Directory.CreateTempSubdirectory("mlp-bench-").FullName;
        double savedScoringMs, savedLatencyUs, saveMs, loadMs;
        long zipBytes;
        try
        {
            string path = Path.Combine(folder, "mlp.zip");
            var clock = Stopwatch.StartNew();
            ml.Model.Save(model, train.Schema, path);
            saveMs = clock.Elapsed.TotalMilliseconds;
            zipBytes = new FileInfo(path).Length;
            clock.Restart();
            var loaded = ml.Model.Load(path, out _);
            loadMs = clock.Elapsed.TotalMilliseconds;
            savedScoringMs = Comparison.MedianMilliseconds(1, () => ScorePass(loaded.Transform(holdout)))[0] * N / 20_000;
            savedLatencyUs = SingleRowMicroseconds(ml, loaded);
            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        output.WriteLine();
        output.WriteLine($"### MLP, {N:N0} × {D} → {Hidden} → 1 (ReLU, Adam η=1e-3, batch {Batch}, {Epochs} epochs, L2 1e-4), in memory, median of 3");
        output.WriteLine();
        output.WriteLine("| contender | fit ms | × bare pass | holdout accuracy | batch scoring rows/s | single-row PredictionEngine µs |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        output.WriteLine($"| bare cursor pass (Features + Label) | {Comparison.F(times[0], "F0")} | 1.00 | | | |");
        output.WriteLine($"| Mlp (in process, 2 threads) | {Comparison.F(times[1], "F0")} | {Comparison.F(times[1] / times[0], "F1")} | {Comparison.F(accuracy, "F4")} | " +
                         $"{Comparison.F(N / scoringMs * 1000, "N0")} | {Comparison.F(latencyUs, "F1")} |");
        output.WriteLine($"| Mlp (1 thread; same weights) | {Comparison.F(times[2], "F0")} | {Comparison.F(times[2] / times[0], "F1")} | | | |");
        output.WriteLine($"| Mlp saved + reloaded with plain Model.Load (ML.NET's managed chain) | | | | {Comparison.F(N / savedScoringMs * 1000, "N0")} | {Comparison.F(savedLatencyUs, "F1")} |");
        output.WriteLine($"| ML.NET LbfgsLogisticRegression (linear, for scale) | {Comparison.F(lbfgsMs, "F0")} | {Comparison.F(lbfgsMs / times[0], "F1")} | {Comparison.F(lbfgsAccuracy, "F4")} | | |");
        output.WriteLine();
        output.WriteLine($"Training loss per epoch: {lossCurve}.");
        output.WriteLine("Reading, from the fit's log: " + string.Join(" ", phases));
        output.WriteLine($"Save {Comparison.F(saveMs, "F0")} ms ({zipBytes:N0} bytes), load {Comparison.F(loadMs, "F0")} ms. " +
                         "scikit-learn settings to match: MLPClassifier(hidden_layer_sizes=(64,), activation='relu', solver='adam', " +
                         $"learning_rate_init=1e-3, batch_size={Batch}, max_iter={Epochs}, alpha={1e-4 * Batch} (= λ × batch: sklearn divides " +
                         "its penalty by the batch size), shuffle=True, tol=0, n_iter_no_change=max_iter); set MLP_BENCHMARK_CSV_DIR to write the same rows as CSV.");
    }

    /// <summary>x ~ N(0, 1)^50; y = [Σⱼ θⱼxⱼ + x₀x₁ − x₂² + 1 + N(0, 0.5²) &gt; 0], θⱼ = ((j mod 7) − 3)/4: mostly linear, partly not.</summary>
    public static IDataView Classification(MLContext ml, int n, int seed)
    {
        var rng = new Random(seed);
        var rows = new SyntheticData.Row[n];
        for (int i = 0; i < n; i++)
        {
            var x = new float[D];
            double s = 0;
            for (int j = 0; j < D; j++)
            {
                x[j] = (float)SyntheticData.Gaussian(rng);
                s += ((j % 7) - 3) / 4.0 * x[j];
            }
            s += x[0] * x[1] - x[2] * x[2] + 1 + 0.5 * SyntheticData.Gaussian(rng);
            rows[i] = new SyntheticData.Row { Features = x, Label = s > 0 ? 1 : 0 };
        }
        return SyntheticData.FromRows(ml, rows, D);
    }

    private static void WriteCsv(IDataView data, string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(",", Enumerable.Range(0, D).Select(j => $"f{j}")) + ",Label");
        var features = data.GetColumn<VBuffer<float>>("Features");
        var labels = data.GetColumn<float>("Label");
        foreach (var (x, y) in features.Zip(labels))
            writer.WriteLine(string.Join(",", x.DenseValues().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) +
                             "," + y.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static double ScorePass(IDataView scored)
    {
        var probability = scored.Schema["Probability"];
        using var cursor = scored.GetRowCursor([probability]);
        var getter = cursor.GetGetter<float>(probability);
        float value = 0;
        double sum = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            sum += value;
        }
        return sum;
    }

    private static double SingleRowMicroseconds(MLContext ml, ITransformer model)
    {
        var engine = ml.Model.CreatePredictionEngine<Input, Prediction>(model);
        var rng = new Random(3);
        var inputs = Enumerable.Range(0, 1000).Select(_ => new Input
        {
            Features = Enumerable.Range(0, D).Select(_ => (float)SyntheticData.Gaussian(rng)).ToArray(),
        }).ToArray();
        var prediction = new Prediction();
        foreach (var input in inputs) engine.Predict(input, ref prediction); // warm-up
        var clock = Stopwatch.StartNew();
        const int rounds = 20;
        for (int r = 0; r < rounds; r++)
            foreach (var input in inputs) engine.Predict(input, ref prediction);
        return clock.Elapsed.TotalMicroseconds / (rounds * inputs.Length);
    }

    private sealed class Input
    {
        [VectorType(D)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class Prediction
    {
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }
}
