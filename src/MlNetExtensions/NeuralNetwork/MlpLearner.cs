using System.Diagnostics;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.NeuralNetwork.Heads;
using MlNetExtensions.NeuralNetwork.Losses;
using MlNetExtensions.NeuralNetwork.Optimizers;
using MlNetExtensions.Interop;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>The outcome of training: the network at its best epoch, the loss curves, and which epoch that was.</summary>
internal sealed record MlpTrainingResult(MlpNetwork Network, double[] TrainingLoss, double[]? ValidationLoss, int BestEpoch);

/// <summary>
/// Mini-batch back-propagation over rows held densely in memory. Every random choice (initial weights, validation
/// split, shuffling) comes from one <see cref="Random"/> seeded by the caller, and the arithmetic does not depend on
/// the number of threads, so the same seed gives bit-identical weights on any machine. Buffers are allocated once; a
/// batch allocates nothing.
/// </summary>
/// <remarks>
/// A batch of at least <see cref="SplitMinimumRows"/> rows is always processed as two fixed halves, each with its own
/// forward pass, loss and gradient, summed in a fixed order; the second half runs on a helper thread when one is
/// allowed (<see cref="HalfBatchWorker"/>), otherwise right after the first. Smaller batches run in one piece.
/// </remarks>
internal static class MlpLearner
{
    /// <summary>Below this many rows a batch is not split: the halves' hand-over would cost more than it saves.</summary>
    internal const int SplitMinimumRows = 128;

    public static MlpTrainingResult Train(IHostEnvironment env, IChannel channel, DenseDataset data, MlpTaskHead head, int outputUnits,
        MlpOptions options, int seed, float[]? initialParameters = null)
    {
        int d = data.FeatureCount;
        var sizes = new[] { d }.Concat(options.HiddenLayerSizes ?? [MlpOptions.Defaults.HiddenLayerSize]).Append(outputUnits).ToArray();
        var network = new MlpNetwork(sizes, options.Activation, (float)options.LeakyReluSlope);
        var random = new Random(seed);
        network.Initialize(random);
        initialParameters?.CopyTo(network.Parameters, 0);

        var (train, validation) = Split(data, options, random);
        int n = train.Count;
        int batch = Math.Min(options.BatchSize ?? MlpOptions.Defaults.BatchSize, n);
        var loss = head.Loss;
        var optimizer = ParameterOptimizer.Create(options, network.Parameters.Length);
        var workspace = new MlpWorkspace(network, batch);
        var gradient = new float[network.Parameters.Length];
        var batchX = new float[batch * d];
        var batchY = new float[batch];
        var batchW = new float[batch];
        HalfBatch? first = null, second = null;
        HalfBatchWorker? worker = null;
        Action? runFirst = null;
        if (batch >= SplitMinimumRows)
        {
            first = new HalfBatch(network, loss, outputUnits, (batch + 1) / 2, batchX, batchY, batchW);
            second = new HalfBatch(network, loss, outputUnits, (batch + 1) / 2, batchX, batchY, batchW);
            runFirst = first.Run;
            if (options.MaximumThreads >= 2) worker = new HalfBatchWorker(second.Run);
        }
        var order = Enumerable.Range(0, n).ToArray();
        float lambda = (float)options.L2Regularization;
        double trainWeight = Sum(train.Weights, n);
        if (!(trainWeight > 0))
            throw new InvalidOperationException(
                $"The example weights of the {n} training rows sum to {trainWeight} after holding out the validation rows; " +
                "at least one training row needs a positive weight (use a smaller ValidationFraction or more data).");

        channel.Info(MessageSensitivity.None,
            $"MLP {string.Join("-", sizes)} ({options.Activation}, {head.Task}): {network.Parameters.Length} parameters, {n} training rows" +
            (validation is null ? "" : $", {validation.Count} validation rows") + $", batch {batch}, {options.Optimizer}, learning rate {options.LearningRate}.");

        var trainingLoss = new List<double>();
        var validationLoss = validation is null ? null : new List<double>();
        float[]? best = null;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0, sinceBest = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            for (int epoch = 1; epoch <= options.NumberOfEpochs; epoch++)
            {
                if (options.Shuffle) Shuffle(order, random);
                double epochLoss = 0;
                for (int start = 0; start < n; start += batch)
                {
                    MlNetInternals.ThrowIfCanceled(env);
                    int rows = Math.Min(batch, n - start);
                    Gather(train, order, start, rows, batchX, batchY, batchW);
                    double weightSum = Sum(batchW, rows);
                    float scale = weightSum > 0 ? (float)(1 / weightSum) : 0f;
                    double batchLoss;
                    if (first is not null && rows >= SplitMinimumRows)
                    {
                        first.Set(0, rows / 2, scale);
                        second!.Set(rows / 2, rows - rows / 2, scale);
                        if (worker is not null) worker.Run(runFirst!);
                        else
                        {
                            first.Run();
                            second.Run();
                        }
                        batchLoss = first.Loss + second.Loss;
                        System.Numerics.Tensors.TensorPrimitives.Add(first.Gradient, second.Gradient, gradient);
                    }
                    else
                    {
                        var logits = network.Forward(batchX, rows, workspace);
                        batchLoss = loss.Evaluate(workspace.Activations[^1].AsSpan(0, logits.Length), outputUnits, batchY, batchW, rows,
                            scale, writeGradient: true);
                        network.Backward(batchX, rows, workspace, gradient);
                    }
                    if (!double.IsFinite(batchLoss))
                        throw Diverged(epoch, batchLoss, options);
                    epochLoss += batchLoss;
                    network.AddL2Gradient(gradient, lambda);
                    optimizer.Step(network.Parameters, gradient);
                }
                double penalty = 0.5 * lambda * network.SquaredWeightNorm();
                double meanLoss = epochLoss / trainWeight + penalty;
                if (!double.IsFinite(meanLoss)) throw Diverged(epoch, meanLoss, options);
                trainingLoss.Add(meanLoss);

                double? valLoss = null;
                if (validation is not null)
                {
                    valLoss = MeanLoss(network, loss, validation, workspace, outputUnits);
                    validationLoss!.Add(valLoss.Value);
                    if (valLoss.Value < bestLoss - options.Tolerance)
                    {
                        bestLoss = valLoss.Value;
                        bestEpoch = epoch;
                        sinceBest = 0;
                        best = (float[])network.Parameters.Clone();
                    }
                    else sinceBest++;
                }
                channel.Info(MessageSensitivity.None, $"Epoch {epoch}/{options.NumberOfEpochs}: training loss {meanLoss:G6}" +
                    (valLoss is null ? "" : $", validation loss {valLoss.Value:G6}") + $" ({clock.ElapsedMilliseconds} ms).");
                options.Progress?.Report(new MlpEpochProgress(epoch, options.NumberOfEpochs, meanLoss, valLoss, clock.Elapsed));
                if (validation is not null && sinceBest >= options.Patience)
                {
                    channel.Info(MessageSensitivity.None,
                        $"Early stopping after epoch {epoch}: validation loss has not improved by {options.Tolerance} for {options.Patience} epochs; " +
                        $"keeping the weights of epoch {bestEpoch}.");
                    break;
                }
            }
        }
        finally
        {
            worker?.Dispose();
        }
        if (best is not null) best.CopyTo(network.Parameters, 0);
        else bestEpoch = trainingLoss.Count;
        return new MlpTrainingResult(network, trainingLoss.ToArray(), validationLoss?.ToArray(), bestEpoch);
    }

    /// <summary>One half of a batch: its rows' forward pass, loss and gradient, in buffers of its own.</summary>
    private sealed class HalfBatch(MlpNetwork network, OutputLoss loss, int units, int capacity, float[] x, float[] y, float[] w)
    {
        private int _offset, _count;
        private float _scale;

        public MlpWorkspace Workspace { get; } = new(network, capacity);
        public float[] Gradient { get; } = new float[network.Parameters.Length];
        public double Loss { get; private set; }

        public void Set(int offset, int count, float scale) => (_offset, _count, _scale) = (offset, count, scale);

        public void Run()
        {
            int d = network.InputCount;
            var rows = x.AsSpan(_offset * d, _count * d);
            network.Forward(rows, _count, Workspace);
            Loss = loss.Evaluate(Workspace.Activations[^1].AsSpan(0, _count * units), units, y.AsSpan(_offset, _count),
                w.AsSpan(_offset, _count), _count, _scale, writeGradient: true);
            network.Backward(rows, _count, Workspace, Gradient);
        }
    }

    /// <summary>Weighted mean loss (no L2 term) of the network on <paramref name="data"/>, in batches of the workspace's size.</summary>
    internal static double MeanLoss(MlpNetwork network, OutputLoss loss, DenseDataset data, MlpWorkspace workspace, int outputUnits)
    {
        double total = 0;
        int d = data.FeatureCount;
        for (int start = 0; start < data.Count; start += workspace.BatchCapacity)
        {
            int rows = Math.Min(workspace.BatchCapacity, data.Count - start);
            network.Forward(data.Features.AsSpan(start * d, rows * d), rows, workspace);
            total += loss.Evaluate(workspace.Activations[^1].AsSpan(0, rows * outputUnits), outputUnits,
                data.Labels.AsSpan(start, rows), data.Weights.AsSpan(start, rows), rows, 0f, writeGradient: false);
        }
        double weight = Sum(data.Weights, data.Count);
        return weight > 0 ? total / weight : 0;
    }

    private static InvalidOperationException Diverged(int epoch, double value, MlpOptions options)
        => new($"MLP training diverged in epoch {epoch}: the loss became {value}. Use a smaller LearningRate " +
               $"(now {options.LearningRate}), e.g. {options.LearningRate / 10}, or standardise the features (NormalizeMeanVariance).");

    /// <summary>Splits off the validation rows (a seeded random ValidationFraction) when early stopping is on.</summary>
    private static (DenseDataset Train, DenseDataset? Validation) Split(DenseDataset data, MlpOptions options, Random random)
    {
        if (!options.EarlyStopping) return (data, null);
        int validationCount = (int)Math.Round(data.Count * options.ValidationFraction);
        if (validationCount < 1 || validationCount >= data.Count)
            throw new InvalidOperationException(
                $"EarlyStopping needs at least one training and one validation row: ValidationFraction {options.ValidationFraction} " +
                $"of {data.Count} rows leaves {validationCount} for validation.");
        var order = Enumerable.Range(0, data.Count).ToArray();
        Shuffle(order, random);
        return (Subset(data, order.AsSpan(validationCount)), Subset(data, order.AsSpan(0, validationCount)));
    }

    private static DenseDataset Subset(DenseDataset data, ReadOnlySpan<int> rows)
    {
        int d = data.FeatureCount;
        var x = new float[rows.Length * d];
        var y = new float[rows.Length];
        var w = new float[rows.Length];
        Gather(data, rows.ToArray(), 0, rows.Length, x, y, w);
        return new DenseDataset(x, y, w, rows.Length, d, data.Summary);
    }

    private static void Gather(DenseDataset data, int[] order, int start, int rows, float[] x, float[] y, float[] w)
    {
        int d = data.FeatureCount;
        for (int i = 0; i < rows; i++)
        {
            int r = order[start + i];
            Array.Copy(data.Features, r * d, x, i * d, d);
            y[i] = data.Labels[r];
            w[i] = data.Weights[r];
        }
    }

    private static void Shuffle(int[] order, Random random)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    private static double Sum(float[] values, int count)
    {
        double sum = 0;
        for (int i = 0; i < count; i++) sum += values[i];
        return sum;
    }
}
