using System.Diagnostics;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.NeuralNetwork.Heads;
using MlNetExtensions.NeuralNetwork.Losses;
using MlNetExtensions.NeuralNetwork.Optimizers;
using MlNetExtensions.NeuralNetwork.Training;
using MlNetExtensions.Interop;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// The outcome of training: the network at its best epoch (in the label's units), the loss curves of this fit, which
/// epoch the weights are from, and the state a continued fit resumes from.
/// </summary>
internal sealed record MlpTrainingResult(MlpNetwork Network, double[] TrainingLoss, double[]? ValidationLoss, int BestEpoch, MlpTrainingState State);

/// <summary>
/// Trains an MLP on rows held in memory, dense or sparse (<see cref="TrainingSet"/>, the reader's layout): the epoch loop (learning-rate schedule, validation, stopping tests,
/// logging, cancellation) around one of two kinds of epoch, a mini-batch pass (<see cref="MiniBatchEpochs"/>) or one
/// full-batch L-BFGS iteration (<see cref="LbfgsEpochs"/>).
/// </summary>
/// <remarks>
/// Every random choice comes from <see cref="TrainingRandom"/>'s streams of one seed, and the arithmetic does not depend
/// on the number of threads, so the same seed gives bit-identical weights on any machine; a fit continued from a model
/// (the <c>start</c> of <see cref="Train"/>) resumes the streams, the optimizer's moments, the schedule and the
/// plateau test where the model left them, so that it reproduces one longer fit when that fit would not have stopped
/// early and early stopping is off.
/// </remarks>
internal static class MlpLearner
{
    public static MlpTrainingResult Train(IHostEnvironment env, IChannel channel, TrainingSet data, MlpTaskHead head, int outputUnits,
        MlpOptions options, int seed, MemoryBudget budget, MlpModelParameters? start = null)
    {
        var state = start?.State;
        var network = start is null ? NewNetwork(data.FeatureCount, outputUnits, options) : start.Network.Clone();
        var label = head.Task != MlpTask.Regression ? LabelStandardization.None
            : state is not null ? new LabelStandardization(state.LabelShift, state.LabelScale)
            : options.StandardizeLabel ? LabelStandardization.Fit(data.Labels.AsSpan(0, data.Count), data.Weights.AsSpan(0, data.Count))
            : LabelStandardization.None;
        if (!label.IsNone) data = data with { Labels = label.Apply(data.Labels) };

        if (options.EarlyStopping)
            budget.Require(data.Features.SizeInBytes,
                $"Early stopping's copy of the {data.Count:N0} × {data.FeatureCount:N0} rows (held {(data.Features is SparseRows ? "sparsely" : "densely")}) into training and validation parts",
                "Turn EarlyStopping off (StopOnTrainingLossPlateau watches the training loss without a copy)");
        var (train, validation) = options.EarlyStopping
            ? ValidationSplit.Split(data, options.ValidationFraction, head.StratificationClasses(outputUnits), seed)
            : (data, (TrainingSet?)null);
        int n = train.Count;
        double trainWeight = Sum(train.Weights, n);
        if (!(trainWeight > 0))
            throw new InvalidOperationException(
                $"The example weights of the {n} training rows sum to {trainWeight} after holding out the validation rows; " +
                "at least one training row needs a positive weight (use a smaller ValidationFraction or more data).");

        if (start is null)
        {
            network.Initialize(TrainingRandom.For(seed, TrainingRandom.InitializationStream));
            var output = network.Layers[^1];
            head.InitialOutputBiases(train.Labels.AsSpan(0, n), train.Weights.AsSpan(0, n), outputUnits)
                .CopyTo(output.Biases(network.Parameters.AsSpan()));
        }
        else label.UnfoldFrom(network, state?.StandardizedOutputBiases);

        var loss = head.Loss;
        float lambda = (float)options.L2Regularization;
        if (options.Optimizer == MlpOptimizer.Lbfgs)
            budget.Require(LbfgsMinimizer.BytesFor(network.Parameters.Length),
                $"L-BFGS's curvature memory for {network.Parameters.Length:N0} parameters", "Use Optimizer = Adam");
        using IEpochRunner runner = options.Optimizer == MlpOptimizer.Lbfgs
            ? new LbfgsEpochs(env, network, loss, train, outputUnits, lambda, trainWeight, options.Tolerance)
            : new MiniBatchEpochs(env, network, loss, train, outputUnits, lambda, trainWeight, options, seed);
        if (state is not null) runner.Restore(state, channel);

        int firstEpoch = (state?.EpochsTrained ?? 0) + 1;
        int lastEpoch = firstEpoch - 1 + options.NumberOfEpochs;
        long rowsSeen = state?.RowsSeen ?? 0;
        var schedule = new LearningRateSchedule(options.LearningRateSchedule, options.LearningRate, options.PowerT,
            state is { LearningRate: > 0 } ? state.LearningRate : options.LearningRate);
        bool minibatch = options.Optimizer != MlpOptimizer.Lbfgs;
        // The loss a stopping test watches: the validation loss with early stopping, else (mini-batch only) the training loss.
        bool watchTraining = validation is null && minibatch && (options.StopOnTrainingLossPlateau || schedule.IsAdaptive);
        var plateau = watchTraining && state is not null
            ? new PlateauTest(options.Tolerance, options.Patience, state.EpochsWithoutImprovement, state.BestLoss)
            : new PlateauTest(options.Tolerance, options.Patience);

        channel.Info(MessageSensitivity.None,
            $"MLP {string.Join("-", network.LayerSizes)} ({options.Activation}, {head.Task}): {network.Parameters.Length} parameters, {n} training rows" +
            (train.Features is SparseRows sparse ? $" held sparsely ({sparse.NonZeroCount:N0} non-zeros)" : "") +
            (validation is null ? "" : $", {validation.Count} validation rows") +
            (minibatch ? $", batch {runner.BatchSize}, {options.Optimizer}, learning rate {options.LearningRate} ({options.LearningRateSchedule})" : ", full-batch L-BFGS") +
            (label.IsNone ? "" : $", label standardised (shift {label.Shift:G6}, scale {label.Scale:G6})") +
            (start is null ? "." : $", continuing after epoch {firstEpoch - 1}."));

        var trainingLoss = new List<double>();
        var validationLoss = validation is null ? null : new List<double>();
        var workspace = validation is null ? null : new MlpWorkspace(network, Math.Min(validation.Count, 1024));
        float[]? best = null;
        int bestEpoch = 0, epoch = firstEpoch - 1;
        var clock = Stopwatch.StartNew();
        for (epoch = firstEpoch; epoch <= lastEpoch; epoch++)
        {
            double rate = minibatch ? schedule.RateForEpoch(rowsSeen) : double.NaN;
            var (meanLoss, lbfgsOutcome) = runner.Run(epoch, rate);
            if (!double.IsFinite(meanLoss)) throw Diverged(epoch, meanLoss, options);
            if (minibatch) rowsSeen += n;
            trainingLoss.Add(meanLoss);

            double? valLoss = null;
            bool fired = false;
            if (validation is not null)
            {
                valLoss = MeanLoss(network, loss, validation, workspace!, outputUnits);
                validationLoss!.Add(valLoss.Value);
                if (plateau.Record(valLoss.Value))
                {
                    bestEpoch = epoch;
                    best = (float[])network.Parameters.Clone();
                }
                fired = plateau.Fired;
            }
            else if (watchTraining)
            {
                plateau.Record(meanLoss);
                fired = plateau.Fired;
            }
            channel.Info(MessageSensitivity.None, $"Epoch {epoch}/{lastEpoch}: training loss {meanLoss:G6}" +
                (valLoss is null ? "" : $", validation loss {valLoss.Value:G6}") +
                (minibatch ? $", learning rate {rate:G4}" : "") + $" ({clock.ElapsedMilliseconds} ms).");
            options.Progress?.Report(new MlpEpochProgress(epoch, lastEpoch, meanLoss, valLoss, clock.Elapsed, rate));

            if (lbfgsOutcome is LbfgsOutcome.Converged or LbfgsOutcome.NoProgress)
            {
                channel.Info(MessageSensitivity.None, lbfgsOutcome == LbfgsOutcome.Converged
                    ? $"L-BFGS converged after iteration {epoch}: no gradient component exceeds Tolerance {options.Tolerance}."
                    : $"L-BFGS stopped after iteration {epoch}: the line search found no lower loss (converged to Single precision).");
                break;
            }
            if (!fired) continue;
            if (minibatch && schedule.IsAdaptive && schedule.TryReduce())
            {
                channel.Info(MessageSensitivity.None,
                    $"The {(validation is null ? "training" : "validation")} loss has not improved by {options.Tolerance} for more than " +
                    $"{options.Patience} epochs: learning rate divided by 5, to {schedule.Current:G4}.");
                plateau.Reset();
                continue;
            }
            channel.Info(MessageSensitivity.None,
                $"Stopping after epoch {epoch}: the {(validation is null ? "training" : "validation")} loss has not improved by " +
                $"{options.Tolerance} for more than {options.Patience} epochs" +
                (schedule.IsAdaptive ? $" at the adaptive schedule's floor ({LearningRateSchedule.AdaptiveFloor})" : "") +
                (validation is null ? "." : $"; keeping the weights of epoch {bestEpoch}."));
            plateau.Reset();
            break;
        }
        int lastRun = Math.Min(epoch, lastEpoch);
        if (best is not null) best.CopyTo(network.Parameters, 0);
        else bestEpoch = lastRun;
        var standardizedBiases = label.FoldInto(network);
        var (steps, first, second) = runner.OptimizerState();
        double nextRate = minibatch ? schedule.RateForEpoch(rowsSeen) : double.NaN;
        var newState = new MlpTrainingState(seed, lastRun, rowsSeen, options.Optimizer, steps, first, second, nextRate,
            watchTraining ? plateau.Count : 0, watchTraining ? plateau.Best : double.PositiveInfinity, label.Shift, label.Scale,
            standardizedBiases);
        return new MlpTrainingResult(network, trainingLoss.ToArray(), validationLoss?.ToArray(), bestEpoch, newState);
    }

    private static MlpNetwork NewNetwork(int featureCount, int outputUnits, MlpOptions options)
    {
        int[] sizes = [featureCount, .. options.HiddenLayerSizes ?? [MlpOptions.Defaults.HiddenLayerSize], outputUnits];
        return new MlpNetwork(sizes, options.Activation, (float)options.LeakyReluSlope);
    }

    /// <summary>Weighted mean loss (no L2 term) of the network on <paramref name="data"/>, in batches of the workspace's size.</summary>
    internal static double MeanLoss(MlpNetwork network, OutputLoss loss, TrainingSet data, MlpWorkspace workspace, int outputUnits)
    {
        double total = 0;
        for (int start = 0; start < data.Count; start += workspace.BatchCapacity)
        {
            int rows = Math.Min(workspace.BatchCapacity, data.Count - start);
            network.Forward(MlpInput.From(data.Features, start, rows), workspace);
            total += loss.Evaluate(workspace.Activations[^1].AsSpan(0, rows * outputUnits), outputUnits,
                data.Labels.AsSpan(start, rows), data.Weights.AsSpan(start, rows), rows, 0f, writeGradient: false);
        }
        double weight = Sum(data.Weights, data.Count);
        return weight > 0 ? total / weight : 0;
    }

    private static InvalidOperationException Diverged(int epoch, double value, MlpOptions options)
        => new($"MLP training diverged in epoch {epoch}: the loss became {value}. " + (options.Optimizer == MlpOptimizer.Lbfgs
            ? "Standardise the features (NormalizeMeanVariance) or raise L2Regularization."
            : $"Use a smaller LearningRate (now {options.LearningRate}), e.g. {options.LearningRate / 10}, or standardise the features (NormalizeMeanVariance)."));

    internal static double Sum(float[] values, int count)
    {
        double sum = 0;
        for (int i = 0; i < count; i++) sum += values[i];
        return sum;
    }
}

/// <summary>One kind of training epoch over the network's parameters.</summary>
internal interface IEpochRunner : IDisposable
{
    /// <summary>Rows per gradient step (the training rows for full-batch methods).</summary>
    int BatchSize { get; }

    /// <summary>Runs epoch <paramref name="epoch"/> at learning rate <paramref name="rate"/>; returns the epoch's mean training
    /// loss with the L2 term, and for L-BFGS what its iteration achieved.</summary>
    (double MeanLoss, LbfgsOutcome? Outcome) Run(int epoch, double rate);

    /// <summary>Takes over a continued model's optimizer state, when it is this optimizer's.</summary>
    void Restore(MlpTrainingState state, IChannel channel);

    /// <summary>The optimizer's state for the model, taken once after the last epoch: its arrays are handed over, not copied.</summary>
    (long Steps, float[]? FirstMoments, float[]? SecondMoments) OptimizerState();
}
