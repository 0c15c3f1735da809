using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Heads;

namespace MlNetExtensions;

/// <summary>
/// A multi-layer perceptron trained by mini-batch back-propagation, for regression (linear output, squared error),
/// binary classification (one sigmoid unit, cross-entropy) or multiclass classification (softmax, cross-entropy).
/// Create it through the catalogs: <c>mlContext.Regression.Trainers.Mlp(...)</c>,
/// <c>mlContext.BinaryClassification.Trainers.Mlp(...)</c>, <c>mlContext.MulticlassClassification.Trainers.Mlp(...)</c>.
/// </summary>
/// <remarks>
/// Minimises the weighted mean loss plus (λ/2)‖W‖² over the weights (not the biases) from one seed: the same seed gives
/// bit-identical weights. Weights start Glorot-uniform as scikit-learn's, hidden biases at zero, and the output biases
/// at the best constant prediction (the label mean, the log-odds of the base rate, the log class frequencies); a
/// regression label is standardised for training by default (<see cref="MlpOptions.StandardizeLabel"/>). The data are
/// read once into memory, densely or sparsely (below). Training logs each epoch to <c>MLContext.Log</c>, honours <c>MLContext.CancelExecution()</c>
/// between batches, and throws <see cref="InvalidOperationException"/> suggesting a smaller learning rate if the loss
/// stops being finite. Dense features should be standardised (e.g. <c>NormalizeMeanVariance(fixZero: false)</c>) as for any
/// gradient-trained network; sparse ones only scaled (centring fills in every zero), as <c>FeaturizeText</c>'s own
/// normalisation does.
/// <para>
/// Sparse features (text from <c>FeaturizeText</c>, <c>OneHotEncoding</c>) are held sparsely, as the reader's
/// <see cref="TrainerOptions.FeatureLayout"/> decides: O(non-zeros + rows) memory, never rows × slots. The first layer's
/// forward pass then adds one row of its input-major weight matrix per non-zero, and its backward pass writes only the
/// weight-gradient rows of the slots a batch's non-zeros touch. The optimizer still updates <b>every</b> parameter every
/// step — dense Adam (or momentum, or SGD) over the whole vector, the L2 term λ·W included, so a weight whose slot is
/// absent from a batch decays by λ and moves by its Adam moments as in the dense computation. Sparse and dense input
/// are therefore one computation (the same weights, loss curve and scores to the bit, tested), at the cost of one pass
/// over all parameters per batch: on a 144k-slot text task with 32 hidden units, 1.7–4.9 ms a batch, a quarter to a half
/// of the fit, where a lazy update of the ~17% of rows a 200-row batch touches would save most of it but change the
/// model. Scoring and
/// <c>PredictionEngine</c> run a sparse row over its non-zeros too (a few µs at 150k slots).
/// </para>
/// <para>
/// <see cref="Fit(IDataView, MlpModelParameters)"/> continues training a fitted model for <see cref="MlpOptions.NumberOfEpochs"/>
/// more epochs, on the same or new data.
/// </para>
/// </remarks>
public sealed class MlpTrainer : TrainerBase<MlpPredictionTransformer, MlpModelParameters>
{
    private readonly MlpOptions _options;

    private MlpTrainer(IHostEnvironment env, MlpTask task, MlpOptions options, IEstimator<ITransformer> schemaReference)
        : base(env, nameof(MlpTrainer), options, MlpTaskHead.For(task).LabelKind, schemaReference, needNormalization: true)
    {
        Task = task;
        _options = (MlpOptions)BaseOptions;
    }

    /// <summary>
    /// The trainer for the environment behind <paramref name="catalog"/>; its output shape is that of the built-in trainer
    /// <paramref name="schemaReference"/> makes for the same columns (SchemaShape columns cannot be built publicly).
    /// </summary>
    internal static MlpTrainer Create(object catalog, MlpTask task, MlpOptions options, Func<MlpOptions, IEstimator<ITransformer>> schemaReference)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options = TrainerOptions.CheckedCopy(options);
        return new MlpTrainer(MlNetInternals.GetEnvironment(catalog), task, options, schemaReference(options));
    }

    /// <summary>What the trainer predicts.</summary>
    public MlpTask Task { get; }

    /// <summary>
    /// Continues training <paramref name="model"/> on <paramref name="input"/> (the same data or new rows with the same
    /// features) for <see cref="MlpOptions.NumberOfEpochs"/> more epochs, from its weights and the training state it keeps:
    /// its seed (unless the options set one), epoch counter, optimizer moments, learning-rate schedule, plateau counter
    /// and label standardisation. On the same data with the same options, fitting a epochs and then continuing for b gives
    /// bit-identical weights to fitting a + b epochs at once, provided the first fit ran all its epochs (no stopping test
    /// fired) and early stopping is off (it returns the best epoch's weights, not the last). L-BFGS continues from the
    /// weights but starts a fresh curvature memory. The architecture is the model's.
    /// </summary>
    /// <param name="input">The training data, with the columns the trainer was created for.</param>
    /// <param name="model">A model this library's MLP trainer made for the same task (<c>transformer.Model</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">The model is for another task, or the options set <see cref="MlpOptions.HiddenLayerSizes"/>
    /// or <see cref="MlpOptions.Activation"/> other than the model's (the message names both).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or the feature vector's width
    /// or the number of classes differs from the model's.</exception>
    /// <exception cref="InvalidOperationException">No usable row, a bad example weight or label value, or training diverged.</exception>
    /// <exception cref="OperationCanceledException">The context's execution was cancelled.</exception>
    public MlpPredictionTransformer Fit(IDataView input, MlpModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckArchitecture(model);
        return FitWith(input, context => Train(context, model));
    }

    private protected override MlpPredictionTransformer Train(TrainingContext context) => Train(context, null);

    private MlpPredictionTransformer Train(TrainingContext context, MlpModelParameters? start)
    {
        var host = context.Environment.Register(nameof(MlpTrainer));
        int seed = _options.Seed ?? start?.Seed ?? host.Rand.Next();
        var reader = context.Reader;
        var head = MlpTaskHead.For(Task);
        int outputUnits = head.OutputUnits(reader.ClassCount);
        if (start is not null) CheckShape(start, reader.FeatureCount, outputUnits);
        var data = context.ReadAll();
        var result = MlpLearner.Train(context.Environment, context.Channel, data, head, outputUnits, _options, seed, context.Budget, start);
        var model = new MlpModelParameters(Task, result.Network, result.TrainingLoss, result.ValidationLoss, result.BestEpoch,
            reader.GetClassNames() ?? start?.ClassNames?.ToArray(), _options, result.State);
        return MlpPredictionTransformer.Create(context.Environment, model, context.Data, _options.FeatureColumnName, _options.LabelColumnName);
    }

    private void CheckArchitecture(MlpModelParameters model)
    {
        if (model.Task != Task)
            throw new ArgumentException($"The model to continue is a {model.Task} MLP; this trainer trains {Task}.", nameof(model));
        var hidden = model.LayerSizes.Skip(1).Take(model.LayerCount - 1).ToArray();
        if (_options.HiddenLayerSizes is { } sizes && !sizes.SequenceEqual(hidden))
            throw new ArgumentException(
                $"HiddenLayerSizes is [{string.Join(", ", sizes)}] but the model to continue has hidden layers [{string.Join(", ", hidden)}]; " +
                "leave HiddenLayerSizes null (the model's architecture is kept) or set it to the model's.", nameof(model));
        if (_options.Activation != model.Activation || (model.Activation == MlpActivation.LeakyRelu && (float)_options.LeakyReluSlope != model.LeakyReluSlope))
            throw new ArgumentException(
                $"Activation is {_options.Activation} but the model to continue uses {model.Activation}" +
                (model.Activation == MlpActivation.LeakyRelu ? $" with slope {model.LeakyReluSlope}" : "") + "; create the trainer with the model's activation.",
                nameof(model));
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2208:Instantiate argument exceptions correctly",
        Justification = "ML.NET's trainers name the schema 'inputSchema' in their schema exceptions; ours do the same.")]
    private void CheckShape(MlpModelParameters model, int featureCount, int outputUnits)
    {
        if (model.LayerSizes[0] != featureCount)
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Feature column '{_options.FeatureColumnName}' has {featureCount} slots but the model to continue reads {model.LayerSizes[0]}.");
        if (model.LayerSizes[^1] != outputUnits)
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Label column '{_options.LabelColumnName}' has {outputUnits} classes but the model to continue predicts {model.LayerSizes[^1]}.");
    }
}
