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
/// Minimises the weighted mean loss plus (λ/2)‖W‖² over the weights (not the biases), with Glorot initialisation
/// (He for ReLU-like activations), from one seed: the same seed gives bit-identical weights. The data are read once into
/// memory. Training logs each epoch to <c>MLContext.Log</c>, honours <c>MLContext.CancelExecution()</c> between batches,
/// and throws <see cref="InvalidOperationException"/> suggesting a smaller learning rate if the loss stops being finite.
/// Features should be standardised (e.g. <c>NormalizeMeanVariance</c>) as for any gradient-trained network.
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

    private protected override MlpPredictionTransformer Train(TrainingContext context)
    {
        var host = context.Environment.Register(nameof(MlpTrainer));
        int seed = _options.Seed ?? host.Rand.Next();
        var data = context.ReadAllDense();
        var reader = context.Reader;
        var head = MlpTaskHead.For(Task);
        var result = MlpLearner.Train(context.Environment, context.Channel, data, head, head.OutputUnits(reader.ClassCount), _options, seed);
        var model = new MlpModelParameters(Task, result.Network, result.TrainingLoss, result.ValidationLoss, result.BestEpoch,
            reader.GetClassNames(), _options);
        return MlpPredictionTransformer.Create(context.Environment, model, context.Data, _options.FeatureColumnName, _options.LabelColumnName);
    }
}
