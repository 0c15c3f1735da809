using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// Issue 12 §5: scoring an MLP (100,000 × 50 → hidden → 1, ReLU, binary) on every path a user has, side by side in one
/// process: the in-memory model, the chain plain <c>Model.Load</c> gives (ML.NET's managed transformers only), the model
/// <c>LoadWithExtensions</c> gives, the 0.1 format's ONNX chain (OnnxTransformer over the network), and ML.NET's
/// LbfgsLogisticRegression for scale. Batch: a cursor pass reading Probability, median of 5 interleaved passes. Single
/// row: PredictionEngine over 1,000 rows × 20 rounds, median of 5. Also the zip's size and the load time.
/// </summary>
internal sealed class MlpScoringComparison : IComparisonSuite
{
    public string Name => "mlp-scoring";

    private const int N = 100_000, D = 50;

    public void Run(TextWriter output)
    {
        foreach (int hidden in new[] { 64, 256 }) RunShape(output, hidden);
    }

    private static void RunShape(TextWriter output, int hidden)
    {
        var ml = new MLContext(seed: 0);
        var train = MlpComparison.Classification(ml, N, seed: 1);
        var options = new MlpOptions { HiddenLayerSizes = [hidden], NumberOfEpochs = 2, BatchSize = 200, Seed = 0 };
        var model = ml.BinaryClassification.Trainers.Mlp(options).Fit(train);
        var lbfgs = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean)
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression()).Fit(train);

        string folder = Directory.CreateTempSubdirectory("mlp-scoring-").FullName;
        try
        {
            string path = Path.Combine(folder, "mlp.zip");
            ml.Model.Save(model, train.Schema, path);
            long zipBytes = new FileInfo(path).Length;
            var clock = Stopwatch.StartNew();
            var plain = new MLContext().Model.Load(path, out _);
            double plainLoadMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var full = new MLContext().Model.LoadWithExtensions(path, out _);
            double fullLoadMs = clock.Elapsed.TotalMilliseconds;

            // The 0.1 save format scored its hidden layers through OnnxTransformer, one ONNX Runtime call per row; the same
            // runtime over the whole exported network stands in for it here.
            string onnx = Path.Combine(folder, "mlp.onnx");
            using (var file = File.Create(onnx)) model.ExportToOnnx(file);
            using var onnxChain = ml.Transforms.ApplyOnnxModel(["Probability"], ["Features"], onnx).Fit(train);

            var contenders = new (string Name, ITransformer Model, string Column)[]
            {
                ("Mlp in memory", model, "Probability"),
                ("Mlp after plain Model.Load (ML.NET's managed chain, Microsoft.ML only)", plain, "Probability"),
                ("Mlp after LoadWithExtensions", full, "Probability"),
                ("ONNX chain (OnnxTransformer + ONNX Runtime, the 0.1 format's path)", onnxChain, "Probability"),
                ("ML.NET LbfgsLogisticRegression (linear, for scale)", lbfgs, "Probability"),
            };
            var batchMs = Comparison.MedianMilliseconds(5, contenders.Select(c => (Action)(() => ScorePass(c.Model.Transform(train), c.Column))).ToArray());
            var singleUs = SingleRowMicroseconds(ml, contenders.Select(c => c.Name.StartsWith("ONNX", StringComparison.Ordinal) ? null : c.Model).ToArray());

            output.WriteLine();
            output.WriteLine($"### MLP scoring, {N:N0} × {D} → {hidden} → 1 (ReLU, binary), in-memory IDataView; zip {zipBytes:N0} bytes, " +
                             $"plain load {Comparison.F(plainLoadMs, "F0")} ms, LoadWithExtensions {Comparison.F(fullLoadMs, "F0")} ms");
            output.WriteLine();
            output.WriteLine("| path | batch rows/s | × in memory | PredictionEngine µs/row |");
            output.WriteLine("|---|---:|---:|---:|");
            for (int i = 0; i < contenders.Length; i++)
                output.WriteLine($"| {contenders[i].Name} | {Comparison.F(N / batchMs[i] * 1000, "N0")} | {Comparison.F(batchMs[0] / batchMs[i], "F2")} | " +
                                 $"{(double.IsNaN(singleUs[i]) ? "(vector output)" : Comparison.F(singleUs[i], "F2"))} |");
            (plain as IDisposable)?.Dispose();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double ScorePass(IDataView scored, string columnName)
    {
        var column = scored.Schema[columnName];
        using var cursor = scored.GetRowCursor([column]);
        double sum = 0;
        if (column.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var value = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                getter(ref value);
                sum += value.GetValues()[0];
            }
            return sum;
        }
        var scalar = cursor.GetGetter<float>(column);
        float v = 0;
        while (cursor.MoveNext())
        {
            scalar(ref v);
            sum += v;
        }
        return sum;
    }

    /// <summary>µs per PredictionEngine.Predict for each model (NaN for null), median of 5 rounds interleaved across the models.</summary>
    private static double[] SingleRowMicroseconds(MLContext ml, ITransformer?[] models)
    {
        var engines = models.Select(m => m is null ? null : ml.Model.CreatePredictionEngine<Input, Prediction>(m)).ToArray();
        var rng = new Random(3);
        var inputs = Enumerable.Range(0, 1000).Select(_ => new Input
        {
            Features = Enumerable.Range(0, D).Select(_ => (float)SyntheticData.Gaussian(rng)).ToArray(),
        }).ToArray();
        var prediction = new Prediction();
        var rounds = engines.Select(_ => new List<double>()).ToArray();
        foreach (var engine in engines)
            foreach (var input in inputs) engine?.Predict(input, ref prediction); // warm-up
        for (int r = 0; r < 5; r++)
            for (int e = 0; e < engines.Length; e++)
            {
                if (engines[e] is not { } engine) continue;
                var clock = Stopwatch.StartNew();
                for (int k = 0; k < 20; k++)
                    foreach (var input in inputs) engine.Predict(input, ref prediction);
                rounds[e].Add(clock.Elapsed.TotalMicroseconds / (20 * inputs.Length));
            }
        return rounds.Select(t => t.Count == 0 ? double.NaN : t.Order().ElementAt(t.Count / 2)).ToArray();
    }

    private sealed class Input
    {
        [VectorType(D)] public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class Prediction
    {
        public float Probability { get; set; }
    }
}
