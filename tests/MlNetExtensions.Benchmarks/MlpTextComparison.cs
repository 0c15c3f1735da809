using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Optimizers;

namespace MlNetExtensions.Benchmarks;

/// <summary>
/// Issue 10 §5/§7, the MLP on sparse text: a 22-class corpus shaped like the GitHub issue labeler (<see cref="TextCorpus"/>:
/// 2,000 training and 1,000 test documents, ~144k slots and ~650 non-zeros a row through <c>FeaturizeText</c>'s defaults),
/// <c>Mlp(hiddenLayerSizes: [32], numberOfEpochs: 10)</c> — at its default learning rate and at 0.01, and at the default
/// rate for 40 epochs, and with every default — against
/// <c>SdcaMaximumEntropy()</c>, side by side in one process on the same cached features: fit time (median of 3 interleaved
/// runs), test micro/macro accuracy and log-loss, bytes allocated and the managed heap's peak growth during a fit (a
/// separate, untimed fit, sampled every 2 ms) against 3 × the sparse data's size plus the model; single-row
/// <c>PredictionEngine</c> latency on the whole text → prediction pipeline, and of the models alone on the featurised rows
/// as sparse vectors and as dense ones (dense is what every MLP prediction cost before the sparse path). Also the MLP's
/// optimizer step over every parameter (dense Adam) against the fit, the share of first-layer rows a batch touches (what a
/// lazy update would step over instead), and, with <c>MLP_TEXT_DENSE=1</c>, one fit with <c>FeatureLayout = Dense</c>.
/// </summary>
internal sealed class MlpTextComparison : IComparisonSuite
{
    public string Name => "mlp-text";

    private const int TrainCount = 2000, TestCount = 1000, Epochs = 10, Hidden = 32, Classes = 22;

    public void Run(TextWriter output)
    {
        var ml = new MLContext(seed: 0);
        var trainText = ml.Data.LoadFromEnumerable(TextCorpus.Generate(TrainCount, seed: 1));
        var testText = ml.Data.LoadFromEnumerable(TextCorpus.Generate(TestCount, seed: 2));
        var featurizer = ml.Transforms.Conversion.MapValueToKey("Label", "Area")
            .Append(ml.Transforms.Text.FeaturizeText("Features", "Text")).Fit(trainText);
        // Every trainer reads the same featurised rows from memory: the fit times are the trainers' own.
        var train = ml.Data.Cache(featurizer.Transform(trainText));
        var test = ml.Data.Cache(featurizer.Transform(testText));
        var (slots, nonZeros) = Shape(train);
        long sparseBytes = nonZeros * (sizeof(int) + sizeof(float)) + (TrainCount + 1L) * sizeof(int);

        var contenders = new (string Name, IEstimator<ITransformer> Trainer, long ModelBytes)[]
        {
            ($"Mlp(hiddenLayerSizes: [{Hidden}], numberOfEpochs: {Epochs})", ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [Hidden], numberOfEpochs: Epochs, seed: 0),
                MlpParameters(slots) * sizeof(float)),
            ($"Mlp, the same with LearningRate = 0.01", ml.MulticlassClassification.Trainers.Mlp(new MlpOptions
                { HiddenLayerSizes = [Hidden], NumberOfEpochs = Epochs, Seed = 0, LearningRate = 0.01 }), MlpParameters(slots) * sizeof(float)),
            ($"Mlp, the default learning rate for 40 epochs", ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [Hidden], numberOfEpochs: 40, seed: 0),
                MlpParameters(slots) * sizeof(float)),
            // What a user swapping the MLP into the sample gets without choosing anything: [32], 200 epochs at most, stopping when
            // the training loss stops improving.
            ("Mlp() with every default", ml.MulticlassClassification.Trainers.Mlp(seed: 0), MlpParameters(slots) * sizeof(float)),
            ("SdcaMaximumEntropy()", ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(), (slots + 1L) * Classes * sizeof(float)),
        };
        var times = Comparison.MedianMilliseconds(3, contenders.Select(c => (Action)(() => c.Trainer.Fit(train))).ToArray());
        var models = contenders.Select(c => c.Trainer.Fit(train)).ToArray();
        var metrics = models.Select(m => ml.MulticlassClassification.Evaluate(m.Transform(test))).ToArray();
        var memory = contenders.Select(c => Memory(() => c.Trainer.Fit(train))).ToArray();

        // PredictionEngine: the whole text → prediction pipeline, and each model alone on featurised rows.
        var documents = TextCorpus.Generate(500, seed: 3);
        // (The MLPs all have one shape: the first stands for them.)
        ITransformer[] timed = [models[0], models[^1]];
        var pipelineUs = PipelineMicroseconds(ml, documents, [featurizer, .. timed.Select(m => (ITransformer)featurizer.Append(m))]);
        var featurised = featurizer.Transform(ml.Data.LoadFromEnumerable(documents));
        var sparseUs = ModelMicroseconds(ml, featurised, slots, dense: false, timed);
        var denseUs = ModelMicroseconds(ml, featurised, slots, dense: true, timed);

        // The saved MLP: ML.NET's managed chain (plain Model.Load) and our transformer back (LoadWithExtensions).
        string folder = Directory.CreateTempSubdirectory("mlp-text-").FullName;
        double[] loadedUs;
        long zipBytes;
        try
        {
            string path = Path.Combine(folder, "mlp.zip");
            ml.Model.Save(models[0], train.Schema, path);
            zipBytes = new FileInfo(path).Length;
            var plain = new MLContext().Model.Load(path, out _);
            var full = new MLContext().Model.LoadWithExtensions(path, out _);
            loadedUs = ModelMicroseconds(ml, featurised, slots, dense: false, [plain, full]);
            (plain as IDisposable)?.Dispose();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        int steps = Epochs * ((TrainCount + 199) / 200);
        double stepMs = AdamStepMilliseconds((MlpPredictionTransformer)models[0]);
        double touched = TouchedRowShare(train, 200);

        output.WriteLine();
        output.WriteLine($"### MLP on sparse text: 22 classes, {TrainCount:N0} training / {TestCount:N0} test documents (TextCorpus), FeaturizeText defaults: " +
                         $"d = {slots:N0} slots, {nonZeros / (double)TrainCount:F0} non-zeros a row; sparse data {MiB(sparseBytes)} MiB; " +
                         $"MLP {MlpParameters(slots):N0} parameters = {MiB(MlpParameters(slots) * sizeof(float))} MiB");
        output.WriteLine();
        output.WriteLine("| trainer | fit ms | × SdcaMaximumEntropy | test micro-accuracy | macro-accuracy | log-loss | allocated MiB | peak managed heap growth MiB | 3 × data + model, MiB |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < contenders.Length; i++)
            output.WriteLine($"| {contenders[i].Name} | {Comparison.F(times[i], "F0")} | {Comparison.F(times[i] / times[^1], "F3")} | " +
                             $"{Comparison.F(metrics[i].MicroAccuracy, "F4")} | {Comparison.F(metrics[i].MacroAccuracy, "F4")} | {Comparison.F(metrics[i].LogLoss, "F3")} | " +
                             $"{MiB(memory[i].Allocated)} | {MiB(memory[i].PeakGrowth)} | {MiB(3 * sparseBytes + contenders[i].ModelBytes)} |");
        output.WriteLine();
        output.WriteLine("Epochs run: " + string.Join("; ", models.Select((m, i) => (m, i)).Where(x => x.m is MlpPredictionTransformer)
            .Select(x => $"{contenders[x.i].Name} {((MlpPredictionTransformer)x.m).Model.TrainingLoss.Count}")) + ".");
        if (Environment.GetEnvironmentVariable("MLP_TEXT_DENSE") == "1")
        {
            var dense = ml.MulticlassClassification.Trainers.Mlp(new MlpOptions
            { HiddenLayerSizes = [Hidden], NumberOfEpochs = Epochs, Seed = 0, FeatureLayout = FeatureLayout.Dense });
            var clock = Stopwatch.StartNew();
            var denseModel = dense.Fit(train);
            double denseMs = clock.Elapsed.TotalMilliseconds;
            var denseMetrics = ml.MulticlassClassification.Evaluate(denseModel.Transform(test));
            output.WriteLine($"| Mlp as the first row, FeatureLayout = Dense (one run) | {Comparison.F(denseMs, "F0")} | {Comparison.F(denseMs / times[^1], "F3")} | " +
                             $"{Comparison.F(denseMetrics.MicroAccuracy, "F4")} | {Comparison.F(denseMetrics.MacroAccuracy, "F4")} | {Comparison.F(denseMetrics.LogLoss, "F3")} | | | |");
        }
        output.WriteLine();
        output.WriteLine("| PredictionEngine, µs a prediction | text → prediction | features → prediction (sparse vector) | features → prediction (dense vector) |");
        output.WriteLine("|---|---:|---:|---:|");
        output.WriteLine($"| FeaturizeText alone | {Comparison.F(pipelineUs[0], "F1")} | | |");
        string[] timedNames = [$"Mlp([{Hidden}]), any of the above", contenders[^1].Name];
        for (int i = 0; i < timed.Length; i++)
            output.WriteLine($"| {timedNames[i]} | {Comparison.F(pipelineUs[i + 1], "F1")} | {Comparison.F(sparseUs[i], "F2")} | {Comparison.F(denseUs[i], "F1")} |");
        output.WriteLine($"| the Mlp after plain Model.Load (ML.NET's managed chain; zip {zipBytes:N0} bytes) | | {Comparison.F(loadedUs[0], "F2")} | |");
        output.WriteLine($"| the Mlp after LoadWithExtensions | | {Comparison.F(loadedUs[1], "F2")} | |");
        output.WriteLine();
        output.WriteLine($"MLP optimizer: one Adam step over all {MlpParameters(slots):N0} parameters takes {Comparison.F(stepMs, "F2")} ms alone; " +
                         $"{steps} steps = {Comparison.F(steps * stepMs, "F0")} ms, {Comparison.F(100 * steps * stepMs / times[0], "F0")}% of the fit. " +
                         $"A batch of 200 rows touches {Comparison.F(100 * touched, "F1")}% of the first layer's {slots:N0} rows (what a lazy update would step over).");
    }

    private static long MlpParameters(int slots) => (slots + 1L) * Hidden + (Hidden + 1L) * Classes;

    private static string MiB(long bytes) => Comparison.F(bytes / 1048576.0, "F1");

    private static (int Slots, long NonZeros) Shape(IDataView data)
    {
        var column = data.Schema["Features"];
        long nonZeros = 0;
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            foreach (float v in buffer.GetValues()) if (v != 0) nonZeros++;
        }
        return (((VectorDataViewType)column.Type).Size, nonZeros);
    }

    /// <summary>Bytes allocated by <paramref name="fit"/> and the managed heap's peak growth over its start (sampled every 2 ms).</summary>
    private static (long Allocated, long PeakGrowth) Memory(Action fit)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long baseline = GC.GetTotalMemory(false);
        long peak = baseline;
        using var stop = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!stop.Wait(2)) peak = Math.Max(peak, GC.GetTotalMemory(false));
        })
        { IsBackground = true };
        long allocatedBefore = GC.GetTotalAllocatedBytes(true);
        sampler.Start();
        fit();
        stop.Set();
        sampler.Join();
        peak = Math.Max(peak, GC.GetTotalMemory(false));
        return (GC.GetTotalAllocatedBytes(true) - allocatedBefore, peak - baseline);
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }
    }

    private sealed class FeaturesOnly
    {
        public VBuffer<float> Features { get; set; }
    }

    /// <summary>µs per Predict of each pipeline on raw documents (median of 5 interleaved rounds of 5 × 500 predictions).</summary>
    private static double[] PipelineMicroseconds(MLContext ml, TextCorpus.Document[] documents, ITransformer[] pipelines)
    {
        var engines = pipelines.Select(p => ml.Model.CreatePredictionEngine<TextCorpus.Document, FeaturesOnly>(p, ignoreMissingColumns: true)).ToArray();
        var typed = pipelines.Skip(1).Select(p => ml.Model.CreatePredictionEngine<TextCorpus.Document, Prediction>(p)).ToArray();
        var actions = new List<Action> { () => { foreach (var d in documents) engines[0].Predict(d); } };
        foreach (var engine in typed)
        {
            var prediction = new Prediction();
            actions.Add(() => { foreach (var d in documents) engine.Predict(d, ref prediction); });
        }
        return Rounds(actions, documents.Length);
    }

    /// <summary>µs per Predict of each trained model alone, on featurised rows given as sparse (or dense) vectors.</summary>
    private static double[] ModelMicroseconds(MLContext ml, IDataView featurised, int slots, bool dense, ITransformer[] models)
    {
        var rows = featurised.GetColumn<VBuffer<float>>("Features").Select(v =>
        {
            var copy = default(VBuffer<float>);
            if (dense) copy = new VBuffer<float>(v.Length, v.DenseValues().ToArray());
            else v.CopyTo(ref copy);
            return new SparseInput { Features = copy };
        }).ToArray();
        var definition = SchemaDefinition.Create(typeof(SparseInput));
        definition[nameof(SparseInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, slots);
        var actions = models.Select(m =>
        {
            var engine = ml.Model.CreatePredictionEngine<SparseInput, Prediction>(m, inputSchemaDefinition: definition);
            var prediction = new Prediction();
            return (Action)(() => { foreach (var r in rows) engine.Predict(r, ref prediction); });
        }).ToList();
        return Rounds(actions, rows.Length);
    }

    private sealed class SparseInput
    {
        public VBuffer<float> Features { get; set; }
    }

    private static double[] Rounds(List<Action> actions, int perRound)
    {
        foreach (var a in actions) a(); // warm-up
        var times = actions.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < 5; r++)
            for (int i = 0; i < actions.Count; i++)
            {
                var clock = Stopwatch.StartNew();
                for (int k = 0; k < 5; k++) actions[i]();
                times[i].Add(clock.Elapsed.TotalMicroseconds / (5 * perRound));
            }
        return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
    }

    /// <summary>Median ms of one Adam step (λ = 1e-4, fused) over a network of the model's shape.</summary>
    private static double AdamStepMilliseconds(MlpPredictionTransformer transformer)
    {
        var model = transformer.Model;
        var network = new MlpNetwork(model.LayerSizes.ToArray(), model.Activation, model.LeakyReluSlope);
        var gradient = new float[network.Parameters.Length];
        var adam = new AdamOptimizer(1e-3, 0.9, 0.999, 1e-8f, network.Parameters.Length);
        var segments = network.Segments();
        for (int i = 0; i < 3; i++) adam.Step(network.Parameters, gradient, segments, 1e-4f);
        var times = new List<double>();
        for (int i = 0; i < 21; i++)
        {
            var clock = Stopwatch.StartNew();
            adam.Step(network.Parameters, gradient, segments, 1e-4f);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times.Order().ElementAt(times.Count / 2);
    }

    /// <summary>The mean share of the feature columns that a batch of <paramref name="batch"/> consecutive rows touches.</summary>
    private static double TouchedRowShare(IDataView data, int batch)
    {
        var column = data.Schema["Features"];
        int d = ((VectorDataViewType)column.Type).Size;
        var seen = new int[d];
        int stamp = 0, rows = 0, touched = 0;
        double share = 0;
        int batches = 0;
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var buffer = default(VBuffer<float>);
        while (true)
        {
            bool more = cursor.MoveNext();
            if (!more || rows == batch)
            {
                if (rows > 0)
                {
                    share += touched / (double)d;
                    batches++;
                }
                if (!more) break;
                stamp++;
                rows = touched = 0;
            }
            getter(ref buffer);
            var values = buffer.GetValues();
            var indices = buffer.IsDense ? null : buffer.GetIndices().ToArray();
            for (int k = 0; k < values.Length; k++)
            {
                int j = indices?[k] ?? k;
                if (values[k] == 0 || seen[j] == stamp + 1) continue;
                seen[j] = stamp + 1;
                touched++;
            }
            rows++;
        }
        return share / batches;
    }
}
