using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.Persistence;

namespace MlNetExtensions;

/// <summary>
/// A multi-layer perceptron trained by mini-batch back-propagation, for regression (linear output, squared error),
/// binary classification (one sigmoid unit, cross-entropy) or multiclass classification (softmax, cross-entropy).
/// Create it through the catalogs: <c>mlContext.Regression.Trainers.Mlp(...)</c>,
/// <c>mlContext.BinaryClassification.Trainers.Mlp(...)</c>, <c>mlContext.MulticlassClassification.Trainers.Mlp(...)</c>.
/// </summary>
/// <remarks>
/// Minimises the weighted mean loss plus (λ/2)‖W‖² over the weights (not the biases), with Glorot initialisation
/// (He for ReLU-like activations), from one seed: the same seed gives bit-identical weights. The data are read once into
/// memory. Training logs each epoch to <c>MLContext.Log</c>, honours <c>MLContext.CancelExecution()</c> between batches,
/// and throws <see cref="InvalidOperationException"/> suggesting a smaller learning rate if the loss stops being finite.
/// Features should be standardised (e.g. <c>NormalizeMeanVariance</c>) as for any gradient-trained network.
/// </remarks>
public sealed class MlpTrainer : ITrainerEstimator<MlpPredictionTransformer, MlpModelParameters>
{
    private readonly IHostEnvironment _env;
    private readonly MlpOptions _options;
    private readonly IEstimator<ITransformer> _schemaReference;

    // options: already checked and copied by Validate.
    internal MlpTrainer(IHostEnvironment env, MlpTask task, MlpOptions options, IEstimator<ITransformer> schemaReference)
    {
        _env = env;
        Task = task;
        _options = options;
        _schemaReference = schemaReference;
        Info = MlNetInternals.CreateTrainerInfo(needNormalization: true, wantCaching: false);
    }

    /// <summary>What the trainer predicts.</summary>
    public MlpTask Task { get; }

    /// <summary>The MLP wants normalised features; it reads the data once, so it needs no caching.</summary>
    public TrainerInfo Info { get; }

    /// <summary>The output columns of the matching ML.NET trainer (see <see cref="MlpPredictionTransformer"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        => Task == MlpTask.BinaryClassification
            ? BinaryLabelSchema.GetOutputSchema(_schemaReference, inputSchema, _options.LabelColumnName)
            : _schemaReference.GetOutputSchema(inputSchema);

    /// <summary>Reads <paramref name="input"/> into memory and trains the network.</summary>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type (the message names it).</exception>
    /// <exception cref="InvalidOperationException">No usable row, a bad example weight, or training diverged.</exception>
    /// <exception cref="OperationCanceledException"><c>MLContext.CancelExecution()</c> was called.</exception>
    public MlpPredictionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var kind = Task switch
        {
            MlpTask.Regression => LabelKind.Regression,
            MlpTask.BinaryClassification => LabelKind.Binary,
            _ => LabelKind.Multiclass,
        };
        var reader = TrainingDataReader.Create(input, _options.LabelColumnName, _options.FeatureColumnName,
            _options.ExampleWeightColumnName, kind);
        var host = _env.Register(nameof(MlpTrainer));
        int seed = _options.Seed ?? host.Rand.Next();
        using var channel = _env.Start("Mlp");
        var clock = Stopwatch.StartNew();
        var data = reader.ReadAll(_env);
        var summary = data.Summary;
        channel.Info(MessageSensitivity.None,
            $"Read {summary.RowsRead} rows in {clock.ElapsedMilliseconds} ms; using {summary.RowsUsed}, skipped {summary.RowsSkippedMissing} with missing or infinite values.");
        if (summary.RowsSkippedMissing > 0)
            channel.Warning(MessageSensitivity.None, $"Skipped {summary.RowsSkippedMissing} of {summary.RowsRead} rows with a NaN or infinite label or feature.");

        int outputs = Task == MlpTask.MulticlassClassification ? reader.ClassCount : 1;
        var result = MlpLearner.Train(_env, channel, data, Task, outputs, _options, seed);
        var model = new MlpModelParameters(Task, result.Network, result.TrainingLoss, result.ValidationLoss, result.BestEpoch,
            reader.GetClassNames());
        channel.Info(MessageSensitivity.None, $"Trained in {clock.ElapsedMilliseconds} ms.");
        return MlpPredictionTransformer.Create(_env, model, input, _options.FeatureColumnName, _options.LabelColumnName);
    }

    /// <summary>Checks every option (messages name it) and returns a private copy, so later edits by the caller do not leak in.</summary>
    internal static MlpOptions Validate(MlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionChecks.ColumnName(options.LabelColumnName, nameof(MlpOptions.LabelColumnName));
        OptionChecks.ColumnName(options.FeatureColumnName, nameof(MlpOptions.FeatureColumnName));
        if (options.ExampleWeightColumnName is not null)
            OptionChecks.ColumnName(options.ExampleWeightColumnName, nameof(MlpOptions.ExampleWeightColumnName));
        if (options.HiddenLayerSizes is { } sizes)
            for (int i = 0; i < sizes.Length; i++)
                if (sizes[i] <= 0)
                    throw new ArgumentOutOfRangeException(nameof(MlpOptions.HiddenLayerSizes), sizes[i],
                        $"HiddenLayerSizes[{i}] must be > 0 (an empty layer cannot pass anything on), but is {sizes[i]}. " +
                        "Pass an empty array for a network without hidden layers.");
        if (!Enum.IsDefined(options.Activation))
            throw new ArgumentOutOfRangeException(nameof(MlpOptions.Activation), options.Activation, $"Activation {options.Activation} is not an MlpActivation.");
        if (!Enum.IsDefined(options.Optimizer))
            throw new ArgumentOutOfRangeException(nameof(MlpOptions.Optimizer), options.Optimizer, $"Optimizer {options.Optimizer} is not an MlpOptimizer.");
        OptionChecks.NonNegativeFinite(options.LeakyReluSlope, nameof(MlpOptions.LeakyReluSlope));
        OptionChecks.PositiveFinite(options.LearningRate, nameof(MlpOptions.LearningRate));
        InUnitInterval(options.Momentum, nameof(MlpOptions.Momentum));
        InUnitInterval(options.Beta1, nameof(MlpOptions.Beta1));
        InUnitInterval(options.Beta2, nameof(MlpOptions.Beta2));
        OptionChecks.PositiveFinite(options.Epsilon, nameof(MlpOptions.Epsilon));
        if (options.BatchSize is { } batch) OptionChecks.Positive(batch, nameof(MlpOptions.BatchSize));
        OptionChecks.Positive(options.NumberOfEpochs, nameof(MlpOptions.NumberOfEpochs));
        OptionChecks.NonNegativeFinite(options.L2Regularization, nameof(MlpOptions.L2Regularization));
        if (options.NumberOfThreads is { } threads) OptionChecks.Positive(threads, nameof(MlpOptions.NumberOfThreads));
        if (options.EarlyStopping)
        {
            OptionChecks.InOpenUnitInterval(options.ValidationFraction, nameof(MlpOptions.ValidationFraction));
            OptionChecks.Positive(options.Patience, nameof(MlpOptions.Patience));
            OptionChecks.NonNegativeFinite(options.Tolerance, nameof(MlpOptions.Tolerance));
        }
        return new MlpOptions
        {
            LabelColumnName = options.LabelColumnName,
            FeatureColumnName = options.FeatureColumnName,
            ExampleWeightColumnName = options.ExampleWeightColumnName,
            HiddenLayerSizes = (int[]?)options.HiddenLayerSizes?.Clone(),
            Activation = options.Activation,
            LeakyReluSlope = options.LeakyReluSlope,
            Optimizer = options.Optimizer,
            LearningRate = options.LearningRate,
            Momentum = options.Momentum,
            Nesterov = options.Nesterov,
            Beta1 = options.Beta1,
            Beta2 = options.Beta2,
            Epsilon = options.Epsilon,
            BatchSize = options.BatchSize,
            NumberOfEpochs = options.NumberOfEpochs,
            L2Regularization = options.L2Regularization,
            Seed = options.Seed,
            Shuffle = options.Shuffle,
            EarlyStopping = options.EarlyStopping,
            ValidationFraction = options.ValidationFraction,
            Patience = options.Patience,
            Tolerance = options.Tolerance,
            NumberOfThreads = options.NumberOfThreads,
            Progress = options.Progress,
        };
    }

    private static void InUnitInterval(double value, string option)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(option, value, $"{option} must lie in [0, 1), but is {value}.");
    }
}
